"""Bearer tokens: a request with `Authorization: Bearer` acts as the token's actor.

- a user's token: the user, cut down to the token's scopes;
- a school app's token (client credentials): the installed school, cut down to
  the scopes its administrator approved (checked again on every request, so an
  uninstall or a narrowed install takes effect at once).

A token is an API credential, honoured on /graphql (TOKEN_PATHS) and the websocket
handshake (realtime.auth) only; /o/ (userinfo, introspection, revocation) reads
tokens itself, as the RFCs say. Anywhere else a request carrying one gets 401:
it never becomes `request.user`, never reaches the admin, never skips CSRF on a form.

On /graphql a token request is never also a cookie session: the token's user acts
through `request.actor` alone, `request.user` stays anonymous (so nothing
session-based counts it as logged in) and a browser's session cookie is ignored;
it carries no CSRF token, so it is exempt from CSRF checks. A missing, expired or
revoked token gets 401 with the RFC 6750 challenge.

A token in the URL (`?access_token=`, RFC 6750 2.3) is refused everywhere, /o/
included, before anything reads it: URLs end up in logs, histories and Referer
headers (RFC 9700 4.3.2). django-oauth-toolkit's own gate covers only the views
that call its verify_request, not userinfo.
"""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl

from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken

from openapi_plugins.models import SchoolInstall
from yiban_core.actor import Actor

# The HTTP paths that take a bearer token (request.path_info, as the URLconf sees it).
TOKEN_PATHS = frozenset({"/graphql"})


def is_bearer(header: str) -> bool:
    return (header or "").partition(" ")[0].lower() == "bearer"


def parse_bearer(header: str) -> str | None:
    scheme, _sep, token = (header or "").partition(" ")
    return token.strip() or None if scheme.lower() == "bearer" else None


def bearer_token(request) -> str | None:
    return parse_bearer(request.headers.get("Authorization", ""))


def actor_for_access_token(access_token) -> Actor | None:
    """The actor of a valid access token, or None when it may no longer act."""
    scopes = frozenset(access_token.scope.split())
    ids = {"app_id": access_token.application_id, "token_id": access_token.pk}
    if access_token.user_id is not None:
        user = access_token.user
        return Actor(user=user, scopes=scopes, **ids) if user.is_active else None
    install = (SchoolInstall.objects.select_related("school")
               .filter(app__application_id=access_token.application_id).first())
    if install is None:
        return None
    return Actor(school=install.school, scopes=scopes & frozenset(install.scopes), **ids)


def token_in_query(query_string: str) -> bool:
    """Whether a URL's query carries an access token (RFC 6750 2.3's parameter)."""
    return any(name == "access_token"
               for name, _value in parse_qsl(query_string, keep_blank_values=True))


def unauthorized(message: str, *, error: str = "invalid_token",
                 description: str = "The access token is invalid, expired or revoked",
                 status: int = 401) -> JsonResponse:
    response = JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status=status)
    response["WWW-Authenticate"] = f'Bearer error="{error}", error_description="{description}"'
    return response


def actor_for_bearer(raw_token: str) -> Actor | None:
    """The actor of a raw bearer token (HTTP or websocket), or None if it is not valid.

    Tokens are stored as SHA-256 checksums (RFC 9700 token storage), as
    django-oauth-toolkit looks them up."""
    checksum = hashlib.sha256(raw_token.encode()).hexdigest()
    access_token = (AccessToken.objects.select_related("user")
                    .filter(token_checksum=checksum).first())
    if access_token is None or access_token.is_expired():
        return None
    return actor_for_access_token(access_token)


class BearerTokenMiddleware:
    """The one place that decides where an HTTP request's bearer token is honoured."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if token_in_query(request.META.get("QUERY_STRING", "")):
            return unauthorized(_("访问令牌不能放在网址里，请放在 Authorization 请求头中"),
                                error="invalid_request", status=400,
                                description="Access tokens in the URL are refused; "
                                            "send them in the Authorization header")
        path = request.path_info
        if not is_bearer(request.headers.get("Authorization", "")) or path.startswith("/o/"):
            return self.get_response(request)
        if path not in TOKEN_PATHS:
            return unauthorized(_("访问令牌只能用于 /graphql 接口"), error="invalid_request",
                                description="Bearer tokens are accepted at /graphql only")
        actor = actor_for_bearer(bearer_token(request) or "")
        if actor is None:
            return unauthorized(_("访问令牌无效、已过期或已被撤销"))
        request.actor = actor
        request.user = AnonymousUser()  # the token's user acts through request.actor only
        request._dont_enforce_csrf_checks = True  # no cookie is trusted on this request
        return self.get_response(request)

"""Bearer tokens: a request with `Authorization: Bearer` acts as the token's actor.

- a user's token: the user, cut down to the token's scopes;
- a school app's token (client credentials): the installed school, cut down to
  the scopes its administrator approved (checked again on every request, so an
  uninstall or a narrowed install takes effect at once).

A request with a token is never also a cookie session: it carries no CSRF token,
so it is exempt from CSRF checks, and a browser's session cookie is ignored. A
missing, expired or revoked token gets 401 with the RFC 6750 challenge.
"""

from __future__ import annotations

import hashlib

from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.utils.translation import gettext as _
from oauth2_provider.models import AccessToken

from openapi_plugins.models import SchoolInstall
from yiban_core.actor import Actor


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


def unauthorized(message: str) -> JsonResponse:
    response = JsonResponse(
        {"errors": [{"message": message, "extensions": {"code": "UNAUTHENTICATED"}}]},
        status=401)
    response["WWW-Authenticate"] = ('Bearer error="invalid_token", '
                                    'error_description="The access token is invalid, expired '
                                    'or revoked"')
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
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # /o/ (userinfo, introspection, revocation) answers for itself, as the RFCs say.
        if bearer_token(request) is None or request.path.startswith("/o/"):
            return self.get_response(request)
        actor = actor_for_bearer(bearer_token(request))
        if actor is None:
            return unauthorized(_("访问令牌无效、已过期或已被撤销"))
        request.actor = actor
        request.user = actor.user or AnonymousUser()
        request._dont_enforce_csrf_checks = True
        return self.get_response(request)

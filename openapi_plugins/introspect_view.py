"""/o/introspect/ (RFC 7662): a client learns about its own tokens only.

RFC 7662 section 4 leaves the rule to the server; here it is:

- the caller authenticates as a confidential client with its secret (HTTP Basic
  or the form body, RFC 6749 2.3.1): a school app, or a user app with a server. A
  bearer token, a public client (whose secret, if any, is no secret) or a wrong
  secret gets 401 `invalid_client`, and wrong secrets count against the same
  limit as at /o/token/ (openapi_plugins.token_view);
- the answer about a token issued to another client is `{"active": false}`, the
  same as for a token that does not exist, so no client learns another app's
  tokens, users or scopes;
- POST only: a GET would carry the token in the URL.
"""

from __future__ import annotations

import hashlib

from django.http import JsonResponse
from django.utils.decorators import method_decorator
from django.views.decorators.csrf import csrf_exempt
from oauth2_provider import views
from oauth2_provider.models import AccessToken
from oauthlib.common import Request as OauthlibRequest

from openapi_plugins.token_view import FAILURES_PER_15_MIN, WINDOW_S, client_id_of
from yiban_core import ratelimit
from yiban_core.errors import RateLimited


def _error(error: str, description: str, status: int) -> JsonResponse:
    response = JsonResponse({"error": error, "error_description": description}, status=status)
    response["Cache-Control"] = "no-store"
    return response


@method_decorator(csrf_exempt, name="dispatch")
class IntrospectTokenView(views.IntrospectTokenView):
    http_method_names = ["post", "options"]

    def dispatch(self, request, *args, **kwargs):
        # Skips DOT's dispatch, which would also take a bearer token with the
        # `introspection` scope: here only a client's own secret will do.
        if request.method != "POST":
            return self.http_method_not_allowed(request)
        key = f"oauth-client:{client_id_of(request)[:200]}:{ratelimit.client_ip(request)}"
        try:
            ratelimit.check(key, limit=FAILURES_PER_15_MIN, window_s=WINDOW_S)
        except RateLimited as refused:
            response = _error("temporarily_unavailable", "too many failed client "
                              f"authentications; retry in {refused.retry_after} s", 429)
            response["Retry-After"] = str(refused.retry_after)
            return response
        client = self.authenticated_client(request)
        if client is None:
            ratelimit.failed(key, window_s=WINDOW_S)
            response = _error("invalid_client", "client authentication failed", 401)
            response["WWW-Authenticate"] = 'Basic realm="introspection"'
            return response
        token = request.POST.get("token")
        if token is not None and not AccessToken.objects.filter(
                token_checksum=hashlib.sha256(token.encode("utf-8")).hexdigest(),
                application=client).exists():
            return JsonResponse({"active": False})  # unknown, or another client's
        response = self.get_token_response(token)
        response["Cache-Control"] = "no-store"
        return response

    def authenticated_client(self, request):
        """The Application that authenticated with its secret, or None."""
        core = self.get_oauthlib_core()
        uri, http_method, body, headers = core._extract_params(request)
        oauth_request = OauthlibRequest(uri, http_method, body, headers)
        if not core.server.request_validator.authenticate_client(oauth_request):
            return None
        client = oauth_request.client
        return client if client.client_type == client.CLIENT_CONFIDENTIAL else None

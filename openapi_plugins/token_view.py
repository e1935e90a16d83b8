"""/o/token/ with a limit on failed client authentication.

A wrong client secret costs one try per (client_id, client address); past the
limit in the window the endpoint answers 429 with Retry-After and an OAuth error
body, before checking anything, so a secret cannot be found by guessing. A
client that authenticates is never slowed down.
"""

from __future__ import annotations

import base64
import binascii
import json
from urllib.parse import unquote

from django.http import JsonResponse
from oauth2_provider import views

from yiban_core import ratelimit
from yiban_core.errors import RateLimited

FAILURES_PER_15_MIN = 10
WINDOW_S = 900


def client_id_of(request) -> str:
    """The client_id a token request names: HTTP Basic (form-encoded, RFC 6749 2.3.1) or body."""
    scheme, _space, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return unquote(decoded.partition(":")[0].replace("+", " "))
    return request.POST.get("client_id", "")


def _client_failed(response) -> bool:
    if response.status_code != 401:
        return False
    try:
        return json.loads(response.content).get("error") == "invalid_client"
    except (ValueError, AttributeError):
        return False


class TokenView(views.TokenView):
    def post(self, request, *args, **kwargs):
        key = f"oauth-client:{client_id_of(request)[:200]}:{ratelimit.client_ip(request)}"
        try:
            ratelimit.check(key, limit=FAILURES_PER_15_MIN, window_s=WINDOW_S)
        except RateLimited as refused:
            response = JsonResponse(
                {"error": "temporarily_unavailable",
                 "error_description": "too many failed client authentications; "
                                      f"retry in {refused.retry_after} s"},
                status=429)
            response["Retry-After"] = str(refused.retry_after)
            response["Cache-Control"] = "no-store"
            return response
        response = super().post(request, *args, **kwargs)
        if _client_failed(response):
            ratelimit.failed(key, window_s=WINDOW_S)
        return response

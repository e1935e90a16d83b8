"""Who is on the other end of a live socket: the one place a socket is authenticated.

- A browser: the session cookie (AuthMiddlewareStack has put the user in the
  scope), and the Origin must be one of ALLOWED_HOSTS.
- An app: an OAuth bearer token in the handshake's ``Authorization`` header
  (never in the URL, where it would end up in logs: a handshake whose URL carries
  ``access_token`` is closed with 4401, whatever else it sends). The socket then acts as the
  token's user with the token's scopes, and a cookie sent alongside is ignored.
  Browsers cannot set that header on a websocket, so such a handshake may come
  without an Origin: nothing rides on ambient cookies.

A token without the ``notifications:read`` scope is closed with 4403; a missing,
expired or revoked token, or a school app's token (live events are per person),
with 4401.
"""

from __future__ import annotations

from channels.db import database_sync_to_async
from channels.security.websocket import AllowedHostsOriginValidator

from openapi_plugins.auth import actor_for_bearer, parse_bearer, token_in_query
from realtime.limits import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from yiban_core.actor import Actor

REQUIRED_SCOPE = "notifications:read"


def handshake_bearer(scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            return parse_bearer(value.decode("latin-1"))
    return None


async def authenticate(scope) -> tuple[Actor | None, int]:
    """(actor, 0) for an accepted socket, or (None, the close code)."""
    if token_in_query(scope.get("query_string", b"").decode("latin-1")):
        return None, CLOSE_UNAUTHENTICATED
    token = handshake_bearer(scope)
    if token is not None:
        actor = await database_sync_to_async(actor_for_bearer)(token)
    else:
        user = scope.get("user")
        actor = Actor.for_user(user) if user is not None else None
    if actor is None or actor.user is None or not actor.user.is_active:
        return None, CLOSE_UNAUTHENTICATED
    if not actor.has_scope(REQUIRED_SCOPE):
        return None, CLOSE_FORBIDDEN
    return actor, 0


def OriginOrBearerValidator(application):  # an ASGI middleware, named like channels' own
    """Allowed-hosts Origin check for browsers; a handshake carrying a bearer token
    and no Origin (an app, not a browser) passes to the token check instead."""
    checked = AllowedHostsOriginValidator(application)

    async def validate(scope, receive, send):
        headers = dict(scope.get("headers", ()))
        if b"origin" not in headers and handshake_bearer(scope) is not None:
            return await application(scope, receive, send)
        return await checked(scope, receive, send)

    return validate

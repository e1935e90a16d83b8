"""Who is on the other end of a live socket: the one place a socket is authenticated.

Today: the session cookie (AuthMiddlewareStack has put the user in the scope).
The open platform will add OAuth bearer tokens here, read from the
``Authorization`` header of the handshake (never from the URL, where it would
end up in logs), as an Actor with the token's scopes; a token without the
``notifications:read`` scope is closed with 4403.
"""

from __future__ import annotations

from realtime.limits import CLOSE_FORBIDDEN, CLOSE_UNAUTHENTICATED
from yiban_core.actor import Actor

REQUIRED_SCOPE = "notifications:read"


async def authenticate(scope) -> tuple[Actor | None, int]:
    """(actor, 0) for an accepted socket, or (None, the close code)."""
    user = scope.get("user")
    actor = Actor.for_user(user) if user is not None else None
    if actor is None or actor.user is None or not actor.user.is_active:
        return None, CLOSE_UNAUTHENTICATED
    if not actor.has_scope(REQUIRED_SCOPE):
        return None, CLOSE_FORBIDDEN
    return actor, 0

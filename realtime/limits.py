"""Per-connection limits of the live socket, and their close codes.

Settings (all optional):

- ``REALTIME_MAX_MESSAGE_BYTES`` (4096): a bigger inbound frame closes the socket
  with 4009. (1009 is the standard "message too big", but daphne's autobahn lets
  an application close only with 1000 or 3000-4999; daphne itself closes with
  1009 above its ``--websocket-max-message-size``, 1 MB by default.)
- ``REALTIME_RATE_MESSAGES`` / ``REALTIME_RATE_WINDOW_S`` (20 / 10): more inbound
  messages within the window closes the socket with 4429.
- ``REALTIME_MAX_CONNECTIONS_PER_USER`` (10): one more socket is closed with 4429.
- ``REALTIME_CONNECTION_TTL_S`` (120): how long a connection's slot outlives a
  process that died without closing it.

Connections are counted in the cache (Redis in production, so across all
daphne processes) as slots ``rt:conn:<user>:<n>``, n < the maximum, each taken
with an atomic add() and an expiry. A live process renews the slots it holds
(one set_many per process, every TTL/3); the slots of a crashed process expire.
Redis down: fail open to slots counted per process (yiban_core/cache.py), so a
user can open up to the maximum on each process, but no socket is refused for
an outage of the cache.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections import deque

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches

CLOSE_UNAUTHENTICATED = 4401
CLOSE_FORBIDDEN = 4403
CLOSE_TOO_BIG = 4009
CLOSE_RATE_LIMITED = 4429


def max_message_bytes() -> int:
    return getattr(settings, "REALTIME_MAX_MESSAGE_BYTES", 4096)


def max_connections() -> int:
    return getattr(settings, "REALTIME_MAX_CONNECTIONS_PER_USER", 10)


def connection_ttl() -> int:
    return getattr(settings, "REALTIME_CONNECTION_TTL_S", 120)


def too_big(text: str | None, data: bytes | None) -> bool:
    limit = max_message_bytes()
    if data is not None:
        return len(data) > limit
    if text is None:
        return False
    # A character is at least one byte: only long texts need encoding to measure.
    return len(text) > limit or (len(text) * 4 > limit and len(text.encode()) > limit)


class InboundRate:
    """A sliding window over the times of the last messages of one socket."""

    def __init__(self, messages: int | None = None, window_s: float | None = None):
        self.messages = messages or getattr(settings, "REALTIME_RATE_MESSAGES", 20)
        self.window_s = window_s or getattr(settings, "REALTIME_RATE_WINDOW_S", 10)
        self.times: deque[float] = deque(maxlen=self.messages)

    def allow(self) -> bool:
        now = time.monotonic()
        if len(self.times) == self.messages and now - self.times[0] < self.window_s:
            return False
        self.times.append(now)
        return True


# --- connections per user ----------------------------------------------------------------

_held: dict[str, str] = {}  # slot key -> token, for the slots this process holds
_renewer: asyncio.Task | None = None
_slot_cache = None


def _cache():
    """One cache client for the whole process.

    Not django.core.cache.cache: under ASGI that is context-local (asgiref Local),
    and every socket's task has its own context, so each socket would get its own
    client, pool and Redis connection, held as long as the socket: a Redis client
    and a second file descriptor per socket (10,000 sockets hit Redis's default
    maxclients and the process's descriptor limit), and ~7 KB of memory.
    """
    global _slot_cache
    if _slot_cache is None:
        _slot_cache = caches.create_connection(DEFAULT_CACHE_ALIAS)
    return _slot_cache


def _slot_key(user_id: int, n: int) -> str:
    return f"rt:conn:{user_id}:{n}"


def _take_slot(user_id: int, token: str) -> str | None:
    ttl = connection_ttl()
    for n in range(max_connections()):
        key = _slot_key(user_id, n)
        if _cache().add(key, token, ttl):
            return key
    return None


def _free_slot(key: str, token: str) -> None:
    if _cache().get(key) == token:
        _cache().delete(key)


async def acquire_connection(user_id: int) -> str | None:
    """A slot key for one more socket of this user, or None when all are taken."""
    token = secrets.token_hex(8)
    key = await sync_to_async(_take_slot)(user_id, token)
    if key is not None:
        _held[key] = token
        _ensure_renewer()
    return key


async def release_connection(key: str | None) -> None:
    if key is None:
        return
    token = _held.pop(key, None)
    if token is not None:
        await sync_to_async(_free_slot)(key, token)


def _ensure_renewer() -> None:
    global _renewer
    loop = asyncio.get_running_loop()
    if _renewer is None or _renewer.done() or _renewer.get_loop() is not loop:
        _renewer = loop.create_task(_renew_forever())


async def _renew_forever() -> None:
    while _held:
        await asyncio.sleep(connection_ttl() / 3)
        if _held:
            try:
                await sync_to_async(_cache().set_many)(dict(_held), connection_ttl())
            except Exception:  # the cache is down: slots expire, sockets stay up
                pass

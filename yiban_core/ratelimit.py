"""Fixed-window rate limits in the cache (Redis in production, local memory by default).

A window opens with the first action counted under a key and lasts window_s;
past the limit, RateLimited says how many seconds are left (`retry_after`),
which pages show in words and APIs send as Retry-After. With Redis every
process shares the counters (cache.add + cache.incr are atomic there).
Redis down: fail open to a per-process count (yiban_core/cache.py), so writes go
on and a burst is still slowed by each process; failing closed would refuse
every post, like and follow for as long as the outage lasts.

Two ways to count:
- hit(): every action counts (posts, likes, follows, registrations);
- check() before and failed() after: only failures count (a wrong join code,
  a wrong old password, a wrong client secret), so a person who gets it right
  is never slowed down by the limit.

Logins are limited by django-axes (settings.AXES_*), per username and IP.
"""

from __future__ import annotations

import contextvars
import math
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.core.cache import cache
from django.utils.translation import gettext as _

from yiban_core.errors import RateLimited

# A data loader replaying history (the demo) is not a burst of live traffic.
_paused = contextvars.ContextVar("rate_limits_paused", default=False)


@contextmanager
def paused() -> Iterator[None]:
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def client_ip(request) -> str:
    """The client's address. Behind the TLS proxy (SECURE_PROXY_SSL_HEADER set), the proxy
    appends it as the last X-Forwarded-For entry; earlier ones are the client's word."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if forwarded and getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        return forwarded.split(",")[-1].strip()
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def wait_text(seconds: int) -> str:
    """'45 秒', '15 分钟': how long to wait, in words a person reads."""
    if seconds < 60:
        return _("%(n)d 秒") % {"n": max(1, seconds)}
    return _("%(n)d 分钟") % {"n": math.ceil(seconds / 60)}


def _retry_after(key: str, window_s: int) -> int:
    ends_at = cache.get(f"rl:{key}:ends")
    left = math.ceil(ends_at - time.time()) if ends_at else window_s
    return max(1, min(left, window_s))


def _refuse(key: str, window_s: int) -> RateLimited:
    retry_after = _retry_after(key, window_s)
    return RateLimited(_("操作太频繁，请 %(wait)s后再试") % {"wait": wait_text(retry_after)},
                       retry_after=retry_after)


def _count(key: str, window_s: int) -> int:
    cache_key = f"rl:{key}"
    if cache.add(cache_key, 1, timeout=window_s):
        cache.set(f"{cache_key}:ends", time.time() + window_s, timeout=window_s)
        return 1
    try:
        return cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_s)
        return 1


def hit(key: str, *, limit: int, window_s: int) -> None:
    """Count one action under `key`; raise RateLimited past `limit` in the window."""
    if _paused.get():
        return
    if _count(key, window_s) > limit:
        raise _refuse(key, window_s)


def check(key: str, *, limit: int, window_s: int) -> None:
    """Raise RateLimited if `limit` failures were already counted under `key` (failed())."""
    if _paused.get():
        return
    if (cache.get(f"rl:{key}") or 0) >= limit:
        raise _refuse(key, window_s)


def failed(key: str, *, window_s: int) -> None:
    """Count one failure under `key`, for check()."""
    if not _paused.get():
        _count(key, window_s)

"""Fixed-window rate limits in the cache (Redis in production, local memory by default)."""

from django.core.cache import cache
from django.utils.translation import gettext as _

from yiban_core.errors import RateLimited


def hit(key: str, *, limit: int, window_s: int) -> None:
    """Count one action under `key`; raise RateLimited past `limit` in the window."""
    cache_key = f"rl:{key}"
    if cache.add(cache_key, 1, timeout=window_s):
        return
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_s)
        return
    if count > limit:
        raise RateLimited(_("操作太频繁，请稍后再试"))

"""The Redis cache, with a per-process fallback for when Redis is down.

Redis accelerates; no request may need it to write. Every use of the cache here
survives an outage the same way: it fails open to a local-memory cache of this
process, so counters become per process instead of shared, and cached reads are
re-read from the database. Each use says in its own module why that is the
right answer for it (rate limits, the GraphQL budget, login lockout, the
webhook events cache, websocket slots, timeline rebuild claims).

After a failure Redis is left alone for settings.CACHE_FALLBACK_RETRY_S (5 s; a
dead server would otherwise cost a failed connect per cache call), then tried
again; whatever was written to the fallback meanwhile stays in this process only.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

log = logging.getLogger(__name__)

# A hung Redis must not hold a request: fail over in a fraction of a second.
_TIMEOUTS = {"socket_connect_timeout": 0.5, "socket_timeout": 1.0}

_down_until: dict[str, float] = {}  # location -> when to try Redis again


class FallbackRedisCache(RedisCache):
    def __init__(self, server, params):
        params = {**params, "OPTIONS": {**_TIMEOUTS, **params.get("OPTIONS", {})}}
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        # Same name, same storage: every instance in this process shares the fallback.
        self._local = LocMemCache(f"redis-fallback:{self._location}",
                                  {"TIMEOUT": params.get("TIMEOUT", 300),
                                   "KEY_PREFIX": params.get("KEY_PREFIX", "")})

    def _call(self, name: str, *args, **kwargs):
        if time.monotonic() < _down_until.get(self._location, 0.0):
            return getattr(self._local, name)(*args, **kwargs)
        try:
            return getattr(super(), name)(*args, **kwargs)
        except RedisError:
            retry_s = getattr(settings, "CACHE_FALLBACK_RETRY_S", 5)
            log.warning("cache unavailable; using this process's memory for %s s",
                        retry_s, exc_info=True)
            _down_until[self._location] = time.monotonic() + retry_s
            return getattr(self._local, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def clear(self):
        self._local.clear()
        return self._call("clear")

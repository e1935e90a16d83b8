"""The Redis that accelerates timelines and leaderboards, when one is configured.

Redis only accelerates: callers treat None, or a RedisError, as "read the
database", so the site keeps working (slower) when Redis is down.
"""

from functools import cache

import redis
from django.conf import settings


@cache
def _client(url: str) -> redis.Redis:
    # Short timeouts: when Redis is gone, fail over to the database quickly.
    return redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5,
                                health_check_interval=30)


def redis_client() -> redis.Redis | None:
    url = getattr(settings, "ACCELERATOR_REDIS_URL", "")
    return _client(url) if url else None


@cache
def script(client: redis.Redis, text: str):
    """A Lua script of the client's, run with EVALSHA (and loaded when Redis lacks it)."""
    return client.register_script(text)

"""Leaderboards in Redis sorted sets, when Redis is there.

Scores are stored negated and members are zero-padded ids, so ZRANGE (ascending)
lists the highest first and breaks ties by the lower id first: exactly the
order the database path uses (ORDER BY total DESC, id ASC).
Every call returns None on a Redis error: the caller then reads the database.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from yiban_core import metrics
from yiban_core.redis import redis_client

log = logging.getLogger(__name__)
WIDTH = 12
WINDOW_TTL_S = 40 * 24 * 3600  # day/week/month keys outlive their window, then expire


def member(object_id: int) -> str:
    return str(object_id).zfill(WIDTH)


def increment(changes: list[tuple[str, int, float, bool]]) -> bool:
    """Apply (key, id, delta, expires) changes in one round trip."""
    client = redis_client()
    if client is None:
        return False
    try:
        pipe = client.pipeline(transaction=False)
        for key, object_id, delta, expires in changes:
            pipe.zincrby(key, -delta, member(object_id))
            if expires:
                pipe.expire(key, WINDOW_TTL_S)
        pipe.execute()
    except RedisError:
        metrics.redis_fallback("leaderboard_update")
        log.warning("leaderboard update failed; rebuild_leaderboards will repair it",
                    exc_info=True)
        return False
    return True


def top(key: str, count: int) -> list[tuple[int, float]] | None:
    client = redis_client()
    if client is None:
        return None
    try:
        if not client.exists(key):
            return None
        # Only positive totals rank (stored negated: below zero).
        rows = client.zrangebyscore(key, "-inf", "(0", start=0, num=count, withscores=True)
    except RedisError:
        metrics.redis_fallback("leaderboard_read")
        return None
    return [(int(m), -score) for m, score in rows]


def rank(key: str, object_id: int) -> tuple[int | None, float] | None:
    """(1-based rank or None when unranked, score); None: ask the database."""
    client = redis_client()
    if client is None:
        return None
    try:
        pipe = client.pipeline(transaction=False)
        pipe.exists(key)
        pipe.zrank(key, member(object_id))
        pipe.zscore(key, member(object_id))
        exists, position, score = pipe.execute()
    except RedisError:
        metrics.redis_fallback("leaderboard_read")
        return None
    if not exists:
        return None
    if position is None or score >= 0:  # no positive points: unranked, as in the database
        return (None, 0)
    return (position + 1, -score)


def scores(key: str, object_ids: list[int]) -> dict[int, float] | None:
    client = redis_client()
    if client is None:
        return None
    try:
        if not client.exists(key):
            return None
        values = client.zmscore(key, [member(i) for i in object_ids]) if object_ids else []
    except RedisError:
        metrics.redis_fallback("leaderboard_read")
        return None
    return {i: -v for i, v in zip(object_ids, values, strict=True) if v is not None}


def replace(key: str, rows: list[tuple[int, float]], *, expires: bool) -> None:
    """Swap in a freshly computed board atomically (readers never see half of it)."""
    client = redis_client()
    if client is None:
        return
    staging = f"{key}:rebuild"
    pipe = client.pipeline()
    pipe.delete(staging)
    for start in range(0, len(rows), 5000):
        chunk = rows[start:start + 5000]
        pipe.zadd(staging, {member(i): -score for i, score in chunk if score})
    if rows:
        pipe.rename(staging, key)
    else:
        pipe.delete(key)
        pipe.zadd(key, {"": 0})  # an existing, empty board: "nobody yet", not "unknown"
    if expires:
        pipe.expire(key, WINDOW_TTL_S)
    pipe.execute()

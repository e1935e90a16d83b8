"""Timelines in Redis: one capped sorted set of post ids per active user (their home
timeline, fed by fan-out) and per group merged at read time (its posts, read
beside every member's home timeline instead of fanned out).

Scores are post ids, so the set is in timeline order and a cursor (the last id
seen) reads the next page with ZREVRANGEBYSCORE. Two marker members sit below
every id:

- "pending" while the set is being rebuilt from the database: readers then use
  the database; fan-out may already add to it. Its score is minus the time
  (epoch seconds) by which the rebuild must finish, FEED_REBUILD_LEASE_S after it
  started: a rebuild that died (a killed worker, Redis gone between start and
  finish) leaves a stale mark, and the next read that finds it past its lease
  starts a rebuild again (needs_rebuild) instead of leaving the set pending for good.
- "complete" (score 0) when the set holds the user's whole timeline. Trimming to
  the cap removes the lowest member first, so the marker goes exactly when the
  set stops being complete; a reader that runs off the end of an incomplete
  set continues in the database.

Only sets that exist get written to: sets of users away longer than the TTL
expire, and so do groups' sets a TTL after they were built (the home page's first
read, feeds/cards.py, looks at every group of the user without renewing them); each
is rebuilt on its first read after that. Any Redis error means "use the database";
a fan-out or a drop that fails is tried again later (feeds/retry.py).
Functions take the set's key.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django_tasks import task
from redis.exceptions import RedisError

from feeds import retry
from yiban_core import metrics
from yiban_core.redis import redis_client, script

log = logging.getLogger(__name__)

PENDING, COMPLETE = b"pending", b"complete"

# ZADD only into timelines that exist (users active lately), then trim to the cap.
_FAN_OUT = """
local cap = tonumber(ARGV[2])
local added = 0
for _, key in ipairs(KEYS) do
  if redis.call('EXISTS', key) == 1 then
    redis.call('ZADD', key, ARGV[1], ARGV[1])
    local extra = redis.call('ZCARD', key) - cap
    if extra > 0 then redis.call('ZREMRANGEBYRANK', key, 0, extra - 1) end
    added = added + 1
  end
end
return added
"""
FAN_OUT_BATCH = 500


def key(user_id: int) -> str:
    return f"yb:tl:{user_id}"


GROUP_PREFIX = "yb:gtl:"


def group_key(group_id: int) -> str:
    return f"{GROUP_PREFIX}{group_id}"


def available() -> bool:
    return redis_client() is not None


class Slice:
    """Ids read from a timeline, newest first, and whether they reach its end."""

    def __init__(self, ids: list[int], reaches_end: bool):
        self.ids = ids
        self.reaches_end = reaches_end


def read(k: str, *, before: int | None, count: int) -> Slice | None:
    """Up to `count` ids older than `before`; None when the database must answer."""
    return read_many([k], before=before, count=count)[0]


def read_many(keys: list[str], *, before: int | None, count: int) -> list[Slice | None]:
    """read() of several sets in one round trip."""
    client = redis_client()
    if client is None:
        return [None] * len(keys)
    try:
        replies = script(client, _READ_MANY)(
            keys=keys, args=[upper_bound(before), count, settings.FEED_TIMELINE_TTL_S])
    except RedisError:
        metrics.redis_fallback("timeline_read")
        log.warning("timeline read failed; using the database", exc_info=True)
        return [None] * len(keys)
    return [parse_slice(reply, count) for reply in replies]


def upper_bound(before: int | None) -> str:
    """The score below which a slice is read."""
    return f"({before}" if before is not None else "+inf"


# Lua: how one slice is read, here and by feeds/cards.py's home script; parse_slice
# reads its reply. EXPIRE renews the set's TTL when `touch`, EXISTS does not.
SLICE_FUNCTION = f"""
local function slice(key, touch, upper, count, ttl)
  local exists
  if touch then exists = redis.call('EXPIRE', key, ttl) else exists = redis.call('EXISTS', key) end
  if exists == 0 then return {{false, false, {{}}, 0}} end
  return {{redis.call('ZSCORE', key, '{PENDING.decode()}'),
          redis.call('ZSCORE', key, '{COMPLETE.decode()}'),
          redis.call('ZREVRANGEBYSCORE', key, upper, '(0', 'LIMIT', 0, count), exists}}
end
"""

# ARGV: upper bound, count, TTL.
_READ_MANY = SLICE_FUNCTION + """
local slices = {}
for i, key in ipairs(KEYS) do slices[i] = slice(key, true, ARGV[1], ARGV[2], ARGV[3]) end
return slices
"""


def parse_slice(reply: list, count: int) -> Slice | None:
    """A slice from SLICE_FUNCTION's reply: pending and complete marks, ids, whether the
    set exists."""
    pending, complete, members, exists = reply
    if not exists or pending is not None:
        return None
    ids = [int(member) for member in members]
    return Slice(ids, reaches_end=len(ids) < count and complete is not None)


def start_rebuild(k: str) -> bool:
    """Mark the set as being rebuilt; False when Redis is unavailable."""
    client = redis_client()
    if client is None:
        return False
    try:
        pipe = client.pipeline()
        pipe.zadd(k, {PENDING: -(time.time() + settings.FEED_REBUILD_LEASE_S)})
        pipe.expire(k, settings.FEED_TIMELINE_TTL_S)
        pipe.execute()
    except RedisError:
        metrics.redis_fallback("timeline_rebuild")
        log.warning("timeline rebuild could not start", exc_info=True)
        return False
    return True


def finish_rebuild(k: str, ids: list[int], *, complete: bool) -> None:
    client = redis_client()
    pipe = client.pipeline()
    if ids:
        pipe.zadd(k, {str(i): i for i in ids})
    if complete:
        pipe.zadd(k, {COMPLETE: 0})
    pipe.zrem(k, PENDING)
    pipe.zremrangebyrank(k, 0, -(settings.FEED_TIMELINE_CAP + 1))
    pipe.expire(k, settings.FEED_TIMELINE_TTL_S)
    pipe.execute()


def forget(user_id: int) -> None:
    """Drop a timeline whose sources changed (a new follow, a joined group): the next
    read rebuilds it, so it never lacks posts the database path would show."""
    try:
        forget_or_raise(user_id)
    except RedisError:
        metrics.redis_fallback("timeline_drop")
        log.warning("could not drop timeline %s", user_id, exc_info=True)
        retry.later(forget_timeline, give_up_after_s=settings.FEED_TIMELINE_TTL_S,
                    user_id=user_id)


@task()
def forget_timeline(*, user_id: int, attempt: int = 0, since: float | None = None) -> None:
    """forget() again, after Redis failed it (a task of this module: no circle)."""
    try:
        forget_or_raise(user_id)
    except RedisError:
        retry.later(forget_timeline, give_up_after_s=settings.FEED_TIMELINE_TTL_S,
                    attempt=attempt, since=since, user_id=user_id)


def forget_or_raise(user_id: int) -> None:
    client = redis_client()
    if client is not None:
        client.delete(key(user_id))


def is_missing(k: str) -> bool:
    client = redis_client()
    try:
        return client is not None and not client.exists(k)
    except RedisError:
        metrics.redis_fallback("timeline_read")
        return False


def needs_rebuild(k: str) -> bool:
    """The set is missing, or its rebuild's lease ran out (the rebuild died)."""
    client = redis_client()
    if client is None:
        return False
    try:
        pipe = client.pipeline(transaction=False)
        pipe.exists(k)
        pipe.zscore(k, PENDING)
        exists, pending = pipe.execute()
    except RedisError:
        metrics.redis_fallback("timeline_read")
        return False
    return not exists or (pending is not None and -pending < time.time())


def fan_out(post_id: int, keys) -> int:
    """Add a post to those of the timelines that exist; return how many."""
    client = redis_client()
    if client is None:
        return 0
    add = script(client, _FAN_OUT)
    added = 0
    batch: list[str] = []
    for k in keys:
        batch.append(k)
        if len(batch) == FAN_OUT_BATCH:
            added += add(keys=batch, args=[post_id, settings.FEED_TIMELINE_CAP])
            batch = []
    if batch:
        added += add(keys=batch, args=[post_id, settings.FEED_TIMELINE_CAP])
    return added

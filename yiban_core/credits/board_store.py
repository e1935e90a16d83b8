"""Leaderboards in Redis sorted sets, when Redis is there.

Scores are stored negated and members are zero-padded ids, so ZRANGE (ascending)
lists the highest first and breaks ties by the lower id first: exactly the
order the database path uses (ORDER BY total DESC, id ASC).

A board is complete only while it holds the marker member "complete" (score 0,
below every ranked entry), as timelines do (feeds/timeline_store.py). Readers
treat a board without it as unknown: they read the database and ask for a
rebuild (request_rebuild). Increments apply only to complete boards, so a Redis
that restarted empty never grows boards that look complete but hold only the
points booked since; an increment that finds no marker flags the board "missed",
and a rebuild running at that moment does not install its (older) result.

A rebuild reads the database, so a point whose transaction committed before that
read is in the rebuilt board; its increment, run after commit, may still land after
the swap and count it twice. So each swap bumps the board's generation
("<key>:gen"), and increments are booked inside the change's transaction
(increment_after_commit): they read the generations before the commit and apply
after it only to boards still at that generation. One that finds a newer
generation cannot tell whether the rebuild saw its point: it marks the board
incomplete instead (read from the database, rebuilt again), never counts twice.
Every call returns None on a Redis error: the caller then reads the database.
"""

from __future__ import annotations

import logging

from django.db import transaction
from redis.exceptions import RedisError

from yiban_core import metrics
from yiban_core.redis import redis_client, script

log = logging.getLogger(__name__)
WIDTH = 12
WINDOW_TTL_S = 40 * 24 * 3600  # day/week/month keys outlive their window, then expire
COMPLETE = "complete"
MISSED_TTL_S = 3600
REBUILD_REQUEST_TTL_S = 30  # at most one rebuild asked for per this many seconds
REBUILD_ATTEMPTS = 3

# KEYS: boards. ARGV: ttl, then (member, delta, expires, generation) per board; the
# generation read before the commit, "*" for unchecked. Returns how many boards were
# complete and at that generation (and so incremented).
_INCREMENT = f"""
local ttl = tonumber(ARGV[1])
local done = 0
for i, key in ipairs(KEYS) do
  local at = 2 + (i - 1) * 4
  local complete = redis.call('ZSCORE', key, '{COMPLETE}')
  local expected = ARGV[at + 3]
  if complete and expected ~= '*' and (redis.call('GET', key .. ':gen') or '') ~= expected then
    -- rebuilt since the point's transaction began: its point may be in the board
    redis.call('ZREM', key, '{COMPLETE}')
    complete = false
  end
  if complete then
    redis.call('ZINCRBY', key, ARGV[at + 1], ARGV[at])
    if ARGV[at + 2] == '1' then redis.call('EXPIRE', key, ttl) end
    done = done + 1
  else
    redis.call('SET', key .. ':missed', '1', 'EX', {MISSED_TTL_S})
  end
end
return done
"""

# KEYS: board, its staging set, its missed flag, its generation. ARGV: ttl (0: none).
# Installs the staging set, as a new generation, unless an increment was missed since
# the rebuild began.
_SWAP = f"""
if redis.call('EXISTS', KEYS[3]) == 1 then
  redis.call('DEL', KEYS[2])
  return 0
end
redis.call('RENAME', KEYS[2], KEYS[1])
if tonumber(ARGV[1]) > 0 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
redis.call('INCR', KEYS[4])
redis.call('EXPIRE', KEYS[4], {WINDOW_TTL_S})
return 1
"""


def member(object_id: int) -> str:
    return str(object_id).zfill(WIDTH)


def increment_after_commit(changes: list[tuple[str, int, float, bool]]) -> None:
    """Inside the transaction that books the change: read the boards' generations now,
    and increment() them when it commits (nothing when it rolls back). Outside one,
    Django runs the increment at once, after a commit that already happened: a rebuild
    between the two could then count the change twice, as before generations."""
    client = redis_client()
    generations: list[str] | None = None
    if client is not None:
        try:
            generations = [(g or b"").decode()
                           for g in client.mget([f"{c[0]}:gen" for c in changes])]
        except RedisError:
            generations = None  # unknown: any complete board is marked, or Redis fails
    transaction.on_commit(lambda: increment(changes, generations=generations
                                            or [_UNKNOWN] * len(changes)))


_UNKNOWN = "?"  # matches no generation


def increment(changes: list[tuple[str, int, float, bool]], *,
              generations: list[str] | None = None) -> bool:
    """Apply (key, id, delta, expires) changes in one round trip, to complete boards
    only (and, given the generations read before the commit, boards not rebuilt since).
    When Redis fails, a task marks the boards for rebuild (retried until Redis
    answers), so the update is not lost. False then."""
    client = redis_client()
    if client is None:
        return True
    generations = generations or ["*"] * len(changes)
    args: list = [WINDOW_TTL_S]
    for (_key, object_id, delta, expires), generation in zip(changes, generations,
                                                            strict=True):
        args += [member(object_id), -delta, "1" if expires else "0", generation]
    try:
        script(client, _INCREMENT)(keys=[c[0] for c in changes], args=args)
    except RedisError:
        metrics.redis_fallback("leaderboard_update")
        log.warning("leaderboard update failed; the boards will be rebuilt", exc_info=True)
        from yiban_core.credits.tasks import repair_boards

        repair_boards.enqueue(keys=[c[0] for c in changes])
        return False
    return True


def mark_incomplete(keys: list[str]) -> None:
    """Boards that missed an update: no longer complete, so the next read rebuilds them.
    Raises RedisError (the caller retries)."""
    client = redis_client()
    if client is None:
        return
    pipe = client.pipeline()
    for key in keys:
        pipe.zrem(key, COMPLETE)
        pipe.set(f"{key}:missed", "1", ex=MISSED_TTL_S)
    pipe.execute()


def request_rebuild() -> None:
    """A reader found a board incomplete: have the missing boards rebuilt in the
    background (once per REBUILD_REQUEST_TTL_S however many readers notice)."""
    client = redis_client()
    try:
        if client is None or not client.set("yb:lb:rebuild-requested", "1", nx=True,
                                             ex=REBUILD_REQUEST_TTL_S):
            return
    except RedisError:
        return
    from yiban_core.credits.tasks import rebuild_missing_boards

    rebuild_missing_boards.enqueue()


def rebuild_requested_done() -> None:
    client = redis_client()
    if client is not None:
        client.delete("yb:lb:rebuild-requested")


def _complete(client, key: str) -> bool:
    if client.zscore(key, COMPLETE) is not None:
        return True
    request_rebuild()
    return False


def top(key: str, count: int) -> list[tuple[int, float]] | None:
    client = redis_client()
    if client is None:
        return None
    try:
        if not _complete(client, key):
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
        pipe.zscore(key, COMPLETE)
        pipe.zrank(key, member(object_id))
        pipe.zscore(key, member(object_id))
        complete, position, score = pipe.execute()
    except RedisError:
        metrics.redis_fallback("leaderboard_read")
        return None
    if complete is None:
        request_rebuild()
        return None
    if position is None or score >= 0:  # no positive points: unranked, as in the database
        return (None, 0)
    return (position + 1, -score)


def scores(key: str, object_ids: list[int]) -> dict[int, float] | None:
    client = redis_client()
    if client is None:
        return None
    try:
        if not _complete(client, key):
            return None
        values = client.zmscore(key, [member(i) for i in object_ids]) if object_ids else []
    except RedisError:
        metrics.redis_fallback("leaderboard_read")
        return None
    return {i: -v for i, v in zip(object_ids, values, strict=True) if v is not None}


def replace(key: str, compute_rows, *, expires: bool, missing_only: bool = False) -> bool:
    """Rebuild a board from `compute_rows()` ([(id, score)], read from the database)
    and swap it in atomically with its marker (readers never see half of it). With
    `missing_only`, a complete board is left alone. False: not rebuilt (yet)."""
    client = redis_client()
    if client is None:
        return False
    staging, missed = f"{key}:rebuild", f"{key}:missed"
    for _attempt in range(REBUILD_ATTEMPTS):
        if missing_only and client.zscore(key, COMPLETE) is not None:
            return False
        # From here on every increment of this board is flagged as missed: one that
        # lands before the swap makes the swap give way and the rebuild start again.
        pipe = client.pipeline()
        pipe.delete(missed)
        pipe.zrem(key, COMPLETE)
        pipe.execute()
        rows = compute_rows()
        pipe = client.pipeline()
        pipe.delete(staging)
        pipe.zadd(staging, {COMPLETE: 0})
        for start in range(0, len(rows), 5000):
            chunk = {member(i): -score for i, score in rows[start:start + 5000] if score}
            if chunk:
                pipe.zadd(staging, chunk)
        pipe.execute()
        swapped = script(client, _SWAP)(keys=[key, staging, missed, f"{key}:gen"],
                                        args=[WINDOW_TTL_S if expires else 0])
        if swapped:
            return True
    log.warning("leaderboard %s kept changing during its rebuild; the next read retries", key)
    return False

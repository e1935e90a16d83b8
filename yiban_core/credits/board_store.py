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

An increment runs after the commit: a process that dies in between (or before its
script reaches Redis) would leave its boards complete but short of the points, for
good. So increment_after_commit also records an in-flight entry (INFLIGHT: the
boards' keys, scored by the time), in the same round trip as the generations, and
the increment removes it in its script. An entry older than INFLIGHT_GRACE_S (far
longer than a transaction and its commit hooks) belonged to a process that died
after its commit, or to a transaction that rolled back: either way its boards are
marked incomplete (a rebuild reads the database, so it is right in both cases). A
sweep never increments: it cannot tell whether the increment ran before the death.
An increment that lands after a sweep finds no marker and does not count either.
The readers sweep (one more command in the read's single pipeline): a lost update
matters only once a board is read, and readers run wherever boards do, where the
task worker may not be running. Clock skew between hosts can only sweep early,
which costs a rebuild, never a wrong count.
Every call returns None on a Redis error: the caller then reads the database.
"""

from __future__ import annotations

import json
import logging
import time
import uuid

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
INFLIGHT = "yb:lb:inflight"
INFLIGHT_GRACE_S = 30
SWEEP_BATCH = 200

# KEYS: boards, then INFLIGHT. ARGV: ttl, the in-flight entry ("" for none), then
# (member, delta, expires, generation) per board; the generation read before the
# commit, "*" for unchecked. Returns how many boards were complete and at that
# generation (and so incremented).
_INCREMENT = f"""
local ttl = tonumber(ARGV[1])
local done = 0
for i = 1, #KEYS - 1 do
  local key = KEYS[i]
  local at = 3 + (i - 1) * 4
  local complete = redis.call('ZSCORE', key, '{COMPLETE}')
  local expected = ARGV[at + 3]
  if complete and expected ~= '*' and (redis.call('GET', key .. ':gen') or '') ~= expected then
    -- rebuilt since the point's transaction began: its point may be in the board
    redis.call('ZREM', key, '{COMPLETE}')
    complete = false
  end
  if complete then
    -- a member back at zero is dropped, as a rebuild leaves it out (unranked either way)
    if tonumber(redis.call('ZINCRBY', key, ARGV[at + 1], ARGV[at])) == 0 then
      redis.call('ZREM', key, ARGV[at])
    end
    if ARGV[at + 2] == '1' then redis.call('EXPIRE', key, ttl) end
    done = done + 1
  else
    redis.call('SET', key .. ':missed', '1', 'EX', {MISSED_TTL_S})
  end
end
if ARGV[2] ~= '' then redis.call('ZREM', KEYS[#KEYS], ARGV[2]) end
return done
"""

# KEYS: INFLIGHT. ARGV: cutoff, batch. Marks the boards of entries recorded before the
# cutoff incomplete (and missed, so a rebuild under way gives way) and drops the
# entries. Returns how many entries, then the boards.
_SWEEP = f"""
local stale = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1],
                         'LIMIT', 0, tonumber(ARGV[2]))
local marked = {{#stale}}
for _, entry in ipairs(stale) do
  local keys = cjson.decode(entry)
  for j = 2, #keys do
    redis.call('ZREM', keys[j], '{COMPLETE}')
    redis.call('SET', keys[j] .. ':missed', '1', 'EX', {MISSED_TTL_S})
    table.insert(marked, keys[j])
  end
  redis.call('ZREM', KEYS[1], entry)
end
return marked
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
    between the two could then count the change twice, as before generations; and no
    in-flight entry is recorded (the commit is already done), so a death in between
    goes unnoticed."""
    client = redis_client()
    generations: list[str] | None = None
    entry = ""
    if client is not None:
        keys = [c[0] for c in changes]
        try:
            pipe = client.pipeline(transaction=False)
            pipe.mget([f"{key}:gen" for key in keys])
            if transaction.get_connection().in_atomic_block:
                entry = json.dumps([uuid.uuid4().hex, *keys])
                pipe.zadd(INFLIGHT, {entry: time.time()})
            generations = [(g or b"").decode() for g in pipe.execute()[0]]
        except RedisError:
            generations = None  # unknown: any complete board is marked, or Redis fails
    transaction.on_commit(lambda: increment(changes, inflight=entry, generations=generations
                                            or [_UNKNOWN] * len(changes)))


_UNKNOWN = "?"  # matches no generation


def increment(changes: list[tuple[str, int, float, bool]], *, inflight: str = "",
              generations: list[str] | None = None) -> bool:
    """Apply (key, id, delta, expires) changes in one round trip, to complete boards
    only (and, given the generations read before the commit, boards not rebuilt since),
    and drop their in-flight entry. When Redis fails, a task marks the boards for
    rebuild (retried until Redis answers), so the update is not lost. False then."""
    client = redis_client()
    if client is None:
        return True
    generations = generations or ["*"] * len(changes)
    args: list = [WINDOW_TTL_S, inflight]
    for (_key, object_id, delta, expires), generation in zip(changes, generations,
                                                            strict=True):
        args += [member(object_id), -delta, "1" if expires else "0", generation]
    try:
        script(client, _INCREMENT)(keys=[c[0] for c in changes] + [INFLIGHT], args=args)
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


def sweep(client) -> set[str]:
    """Mark the boards of in-flight entries older than the grace period incomplete, and
    ask for their rebuild. Returns those boards. Raises RedisError."""
    marked: set[str] = set()
    while True:
        count, *keys = script(client, _SWEEP)(
            keys=[INFLIGHT], args=[time.time() - INFLIGHT_GRACE_S, SWEEP_BATCH])
        marked.update(k.decode() for k in keys)
        if count < SWEEP_BATCH:
            break
    if marked:
        log.warning("%d leaderboards missed an update that died after its commit; "
                    "rebuilding them", len(marked))
        request_rebuild()
    return marked


def _read(key: str, *commands, wanted: tuple[str, str] | None = None) -> list | None:
    """One round trip: the board's marker, any stale in-flight entry, and `commands`
    (each given the pipeline). Their results, or None: read the database (the board is
    incomplete, or was swept just now, or Redis failed). `wanted` (set, member): a board
    built only once it is read (a group's) notes itself there when it is incomplete,
    before the rebuild is asked for, so that the rebuild knows it."""
    client = redis_client()
    if client is None:
        return None
    try:
        pipe = client.pipeline(transaction=False)
        pipe.zscore(key, COMPLETE)
        pipe.zrangebyscore(INFLIGHT, "-inf", f"({time.time() - INFLIGHT_GRACE_S}",
                           start=0, num=1)
        for command in commands:
            command(pipe)
        complete, stale, *results = pipe.execute()
        if stale and key in sweep(client):
            return None  # the results were read before the sweep: maybe short
    except RedisError:
        metrics.redis_fallback("leaderboard_read")
        return None
    if complete is None:
        if wanted is not None:
            try:
                client.sadd(*wanted)
            except RedisError:
                return None
        request_rebuild()
        return None
    return results


def top(key: str, count: int, *, wanted: tuple[str, str] | None = None
        ) -> list[tuple[int, float]] | None:
    # Only positive totals rank (stored negated: below zero).
    found = _read(key, lambda pipe: pipe.zrangebyscore(key, "-inf", "(0", start=0,
                                                       num=count, withscores=True),
                  wanted=wanted)
    return None if found is None else [(int(m), -score) for m, score in found[0]]


def rank(key: str, object_id: int, *, wanted: tuple[str, str] | None = None
         ) -> tuple[int | None, float] | None:
    """(1-based rank or None when unranked, score); None: ask the database."""
    found = _read(key, lambda pipe: pipe.zrank(key, member(object_id)),
                  lambda pipe: pipe.zscore(key, member(object_id)), wanted=wanted)
    if found is None:
        return None
    position, score = found
    if position is None or score >= 0:  # no positive points: unranked, as in the database
        return (None, 0)
    return (position + 1, -score)


def drop(keys: list[str]) -> None:
    """Forget boards whose subject is gone (a deleted group), with their generations.
    Best effort: a board left behind expires."""
    client = redis_client()
    if client is None or not keys:
        return
    try:
        client.delete(*keys, *(f"{key}:gen" for key in keys))
    except RedisError:
        log.warning("could not drop %d leaderboards; they expire", len(keys), exc_info=True)


def remove_member(match: str, object_id: int, *, parts: int) -> None:
    """Remove `object_id` from every board whose key matches `match` and has `parts`
    colon-separated parts (not a board's generation or marker keys). Boards Redis fails
    to change are marked for rebuild by a task (retried until Redis answers)."""
    client = redis_client()
    if client is None:
        return
    keys: list[str] = []
    try:
        keys = [key.decode() for key in client.scan_iter(match=match, count=1000)
                if len(key.decode().split(":")) == parts]
        pipe = client.pipeline(transaction=False)
        for key in keys:
            pipe.zrem(key, member(object_id))
        pipe.execute()
    except RedisError:
        log.warning("could not remove a person from %d leaderboards; rebuilding them",
                    len(keys), exc_info=True)
        from yiban_core.credits.tasks import repair_boards

        if keys:
            repair_boards.enqueue(keys=keys)
        else:
            request_rebuild()


def scores(key: str, object_ids: list[int]) -> dict[int, float] | None:
    members = [member(i) for i in object_ids]
    found = _read(key, *([lambda pipe: pipe.zmscore(key, members)] if members else []))
    if found is None:
        return None
    values = found[0] if members else []
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

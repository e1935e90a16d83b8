"""Redis writes that must not be lost to an outage, done again by the task queue.

A timeline that misses a fan-out, or a card or timeline that a change should
have dropped, would otherwise stay wrong until it expires (hours for cards, a
week for timelines). So a Redis write that fails is enqueued again as a task
(feeds.tasks), with a growing delay, until it succeeds or the entry it was
about has expired by itself. The task queue is in the database, so the retry
survives a crash of the process; the writes are idempotent (ZADD of the same
id, a tombstone, a DEL), so running one twice does no harm. A Redis that came
back empty needs none of them, and they do nothing then.

Simpler than a "dirty" mark in the database that every read would have to ask.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta

log = logging.getLogger(__name__)

MAX_DELAY_S = 600


def delay_s(attempt: int) -> int:
    """5 s, 20 s, 80 s, 320 s, then every 10 minutes."""
    return min(5 * 4**attempt, MAX_DELAY_S)


def later(task, *, give_up_after_s: int, attempt: int = 0, since: float | None = None,
          **kwargs) -> None:
    """Enqueue task(**kwargs, attempt=attempt + 1, since=...) after a back-off; give up
    once give_up_after_s have passed since the first failure."""
    since = time.time() if since is None else since
    if time.time() - since > give_up_after_s:
        log.warning("giving up %s%s: its entries have expired by now", task.name, kwargs)
        return
    if not task.get_backend().supports_defer:
        log.warning("cannot retry %s%s later on this task backend", task.name, kwargs)
        return
    run_after = datetime.now(UTC) + timedelta(seconds=delay_s(attempt))
    task.using(run_after=run_after).enqueue(**kwargs, attempt=attempt + 1, since=since)

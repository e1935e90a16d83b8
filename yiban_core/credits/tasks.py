"""Keeping the Redis leaderboards right: rebuilding boards found incomplete, and
marking for rebuild boards whose update Redis refused (retried with back-off until
Redis answers, so no update is lost for good). Both are safe to run twice."""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task
from redis.exceptions import RedisError

from yiban_core.credits import board_store, boards

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12


@task()
def rebuild_missing_boards() -> dict[str, int]:
    board_store.rebuild_requested_done()
    return boards.rebuild_all(missing_only=True)


@task()
def repair_boards(*, keys: list[str], attempt: int = 0) -> bool:
    try:
        board_store.mark_incomplete(keys)
    except RedisError:
        if attempt + 1 >= MAX_ATTEMPTS:
            log.error("gave up marking %d leaderboards for rebuild; run rebuild_leaderboards",
                      len(keys))
            return False
        delay = timedelta(seconds=min(15 * 2**attempt, 3600))
        repair_boards.using(run_after=timezone.now() + delay).enqueue(
            keys=keys, attempt=attempt + 1)
        return False
    return True

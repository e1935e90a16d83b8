"""Closing check-ins when their time is up: a task deferred to the closing time when the
backend can defer (the database queue can), and a periodic sweep for the rest."""

from __future__ import annotations

from datetime import timedelta

from django_tasks import task

from classroom import closing
from classroom.models import Checkin

SWEEP_EVERY = timedelta(minutes=1)


@task()
def close_checkin_when_due(checkin_id: int) -> bool:
    return closing.finalize(checkin_id=checkin_id)


@task()
def close_due_checkins() -> int:
    return closing.close_due()


def schedule_close(checkin: Checkin) -> None:
    """Inside the transaction that made `checkin`: its closing, at its closing time."""
    if close_checkin_when_due.get_backend().supports_defer:
        close_checkin_when_due.using(run_after=checkin.closes_at).enqueue(checkin_id=checkin.pk)

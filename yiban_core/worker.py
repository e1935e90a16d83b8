"""The task worker: django-tasks-db's loop, made to outlive database blips and dead peers.

- A database error (connection refused, dropped, file gone) no longer ends the process:
  the worker closes its connections, waits with capped exponential back-off and goes on.
- A task whose claim is older than the lease (``TASK_LEASE_S``) belonged to a worker that
  died mid-task: it goes back to READY and is run again. Tasks are idempotent, so a second
  run is harmless; one that keeps killing its workers fails after ``TASK_MAX_ATTEMPTS``.
- Periodic tasks (yiban_core/periodic.py) are enqueued when due, checked at start and
  every ``periodic.CHECK_EVERY_S`` (not in ``--batch``, which only drains the queue).
- Never under the autoreloader: a reloader parent killed on its own leaves an orphan worker.
- Its waits can be cut short: ``wake()`` (a task was enqueued) polls at once, ``stop()``
  ends the loop after the task in hand (yiban_core/worker_threads.py runs it in a thread).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connections
from django.db.utils import InterfaceError, OperationalError
from django.utils import timezone
from django_tasks_db.compat import TaskResultStatus
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from yiban_core import periodic

log = logging.getLogger("yiban_core.worker")

DATABASE_ERRORS = (OperationalError, InterfaceError)
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 30.0
BUSY_RETRY_S = 0.1  # a claim refused by a busy SQLite is tried again this soon


def lease_seconds() -> float:
    return float(getattr(settings, "TASK_LEASE_S", 300))


def reclaim_expired(backend_name: str) -> int:
    """Put RUNNING tasks whose lease ran out back in the queue; return how many."""
    cutoff = timezone.now() - timedelta(seconds=lease_seconds())
    max_attempts = int(getattr(settings, "TASK_MAX_ATTEMPTS", 5))
    expired = DBTaskResult.objects.running().filter(
        backend_name=backend_name, started_at__lt=cutoff)
    reclaimed = 0
    for row in expired.only("id", "started_at", "worker_ids"):
        # Conditional on the claim we saw: a worker finishing it now, or another worker
        # reclaiming it first, makes this update match nothing.
        same_claim = DBTaskResult.objects.filter(
            pk=row.pk, status=TaskResultStatus.RUNNING, started_at=row.started_at)
        if len(row.worker_ids) >= max_attempts:
            changed = same_claim.update(
                status=TaskResultStatus.FAILED, finished_at=timezone.now(),
                exception_class_path="yiban_core.worker.LeaseExpired",
                traceback=f"claimed {len(row.worker_ids)} times, never finished")
            if changed:
                log.error("task %s gave up after %d expired claims", row.pk, len(row.worker_ids))
            continue
        if same_claim.update(status=TaskResultStatus.READY):
            reclaimed += 1
            log.warning("task %s: claim by %s expired, queued again", row.pk, row.worker_ids[-1:])
    return reclaimed


class ResilientWorker(Worker):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._woken = threading.Event()
        self._stopped = threading.Event()

    def wake(self) -> None:
        """Look at the queue now instead of at the end of the interval."""
        self._woken.set()

    def stop(self) -> None:
        """Leave the loop once the task in hand (if any) is done."""
        self.running = False
        self._stopped.set()
        self._woken.set()

    def claim_next(self) -> tuple[bool, DBTaskResult | None]:
        """(whether the queue was read, the task claimed), as django-tasks-db claims."""
        tasks = DBTaskResult.objects.ready().filter(backend_name=self.backend_name)
        if not self.process_all_queues:
            tasks = tasks.filter(queue_name__in=self.queue_names)
        if self.excluded_queue_names:
            tasks = tasks.exclude(queue_name__in=self.excluded_queue_names)
        try:
            with exclusive_transaction(tasks.db):
                task_result = tasks.get_locked()
                if task_result is not None:
                    task_result.claim(self.worker_id)
        except OperationalError as exc:
            if is_locked_database_exception(exc):
                return False, None  # SQLite busy: try again next round
            raise
        return True, task_result

    def run(self) -> None:
        log.info("worker %s started, queues=%s", self.worker_id, ",".join(self.queue_names))
        if self.startup_delay and self.interval:
            time.sleep(random.random())  # spreads workers started together
        backoff = 0.0
        reclaim_every = max(1.0, min(lease_seconds() / 4, 30.0))
        next_reclaim = 0.0
        next_periodic = 0.0 if not self.batch else float("inf")
        while self.running:
            try:
                close_old_connections()
                self._woken.clear()  # a wake from now on means another look
                if time.monotonic() >= next_reclaim:
                    reclaim_expired(self.backend_name)
                    next_reclaim = time.monotonic() + reclaim_every
                if time.monotonic() >= next_periodic:
                    periodic.enqueue_due(self.backend_name)
                    next_periodic = time.monotonic() + periodic.CHECK_EVERY_S
                retrieved, task_result = self.claim_next()
                if task_result is not None:
                    self.run_task(task_result)
                close_old_connections()
            except DATABASE_ERRORS as exc:
                backoff = min(BACKOFF_MAX_S, backoff * 2 or BACKOFF_FIRST_S)
                log.warning("worker %s: database unavailable (%s), retrying in %.1fs",
                            self.worker_id, exc, backoff)
                self.drop_connections()
                self._stopped.wait(backoff)
                continue
            if backoff:
                log.info("worker %s: database reachable again", self.worker_id)
                backoff = 0.0
            if self.batch and retrieved and task_result is None:
                return
            if self.max_tasks is not None and self._run_tasks >= self.max_tasks:
                return
            if self.running and task_result is None:
                # A queue it could not read (SQLite busy) is looked at again shortly: the
                # wake of a task enqueued meanwhile was spent on that look.
                self._woken.wait(self.interval if retrieved else min(self.interval, BUSY_RETRY_S))

    @staticmethod
    def drop_connections() -> None:
        for connection in connections.all(initialized_only=True):
            try:
                connection.close()
            except DATABASE_ERRORS:
                pass  # already broken: the next query opens a fresh one

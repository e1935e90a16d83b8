"""Task workers as threads of the web process, for the embedded default.

The in-memory channel layer does not cross processes, so on the embedded default (no
REDIS_URL) ``manage.py serve`` runs its workers inside the daphne process
(``yiban_core.daphne_server --task-workers N``): what a task sends live (a new post, a
notification) reaches that process's sockets (realtime/layers.py).

- Each thread runs yiban_core.worker's loop, with database connections of its own
  (Django's are per thread), closed when its loop ends.
- A task enqueued in this process wakes the workers when its transaction commits, so a
  web request's task starts at once rather than at the next poll.
- A loop that crashes (an error outside any task) is logged and started again, with
  back-off while it keeps crashing.
- ``stop()`` lets each worker finish the task in hand; the server waits for them for a
  bounded time (a task cut off by the process's end is run again after its lease).
"""

from __future__ import annotations

import logging
import threading
import time

from django.db import connections, transaction
from django_tasks_db.compat import (
    DEFAULT_TASK_BACKEND_ALIAS,
    DEFAULT_TASK_QUEUE_NAME,
    task_enqueued,
)

from yiban_core.worker import ResilientWorker

log = logging.getLogger("yiban_core.worker")

POLL_INTERVAL_S = 1.0  # tasks enqueued by other processes (manage.py commands) wait this long
RESTART_FIRST_S = 0.5
RESTART_MAX_S = 30.0
STABLE_S = 30.0  # a loop that ran this long before crashing starts again without waiting


class WorkerThread(threading.Thread):
    def __init__(self, worker_id: str, interval: float = POLL_INTERVAL_S):
        # A daemon: the server ends the process once it gave the workers their grace.
        super().__init__(name=f"task-{worker_id}", daemon=True)
        self.worker = ResilientWorker(
            queue_names=[DEFAULT_TASK_QUEUE_NAME], interval=interval, batch=False,
            backend_name=DEFAULT_TASK_BACKEND_ALIAS, startup_delay=False, max_tasks=None,
            worker_id=worker_id, excluded_queue_names=[])
        self.stopping = threading.Event()
        self.restarts = 0

    def run(self) -> None:
        delay = 0.0
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.worker.run()
                return  # it stopped as asked
            except Exception:
                log.exception("worker %s crashed", self.worker.worker_id)
            finally:
                connections.close_all()  # this thread's own
            ran = time.monotonic() - started
            delay = 0.0 if ran >= STABLE_S else min(RESTART_MAX_S, delay * 2 or RESTART_FIRST_S)
            log.warning("worker %s: restarting in %.1fs", self.worker.worker_id, delay)
            self.stopping.wait(delay)
            self.worker.running = True
            if self.stopping.is_set():  # read after the reset: a stop() meanwhile is kept
                return
            self.restarts += 1

    def stop(self) -> None:
        self.stopping.set()
        self.worker.stop()


class InProcessWorkers:
    def __init__(self, count: int, interval: float = POLL_INTERVAL_S):
        self.threads = [WorkerThread(f"worker-{i}", interval) for i in range(count)]

    def start(self) -> None:
        task_enqueued.connect(self._enqueued, dispatch_uid=id(self))
        for thread in self.threads:
            thread.start()

    def _enqueued(self, sender, **kwargs) -> None:
        # The row is visible to the workers only once the enqueuing transaction commits
        # (at once when there is none).
        transaction.on_commit(self.wake)

    def wake(self) -> None:
        for thread in self.threads:
            thread.worker.wake()

    def stop(self) -> None:
        task_enqueued.disconnect(dispatch_uid=id(self))
        for thread in self.threads:
            thread.stop()

    def alive(self) -> list[str]:
        """Ids of the workers still running (finishing a task, after stop())."""
        return [t.worker.worker_id for t in self.threads if t.is_alive()]

    def join(self, timeout: float) -> bool:
        """Wait for every worker to end; whether they all did."""
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not self.alive()

"""Task workers as threads of the web process (the embedded default): a task enqueued in the
process starts at its commit, not at the next poll; a worker whose loop crashes is logged
and started again; stop() ends them."""

import time

import pytest
from django.db import OperationalError, transaction
from django_tasks_db.models import DBTaskResult

from tests.ops.tasks import hold
from yiban_core.worker import ResilientWorker
from yiban_core.worker_threads import InProcessWorkers

pytestmark = pytest.mark.django_db(transaction=True)

LONG_POLL_S = 60.0  # only a wake-up makes a worker look at the queue in time


def status_of(result) -> str | None:
    try:
        return DBTaskResult.objects.get(pk=result.id).status
    except OperationalError:
        # The embedded test database is SQLite in memory with a shared cache: a read while
        # the worker thread writes is refused ("table is locked") instead of waiting, as a
        # file database would. Ask again.
        return None


def wait_until_done(result, timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        status = status_of(result)
        if status in ("SUCCESSFUL", "FAILED"):
            return status
        time.sleep(0.05)
    return status


@pytest.fixture
def workers():
    running = InProcessWorkers(1, interval=LONG_POLL_S)
    yield running
    running.stop()
    assert running.join(10), running.alive()


def test_a_task_enqueued_in_the_process_starts_at_its_commit(workers, tmp_path):
    first = hold.enqueue(path=str(tmp_path / "first.json"), seconds=0)
    workers.start()
    assert wait_until_done(first, 10) == "SUCCESSFUL"
    time.sleep(0.2)  # the worker found the queue empty and waits its long poll

    with transaction.atomic():
        second = hold.enqueue(path=str(tmp_path / "second.json"), seconds=0)
    assert wait_until_done(second, 5) == "SUCCESSFUL"


def test_a_crashed_worker_loop_is_logged_and_started_again(workers, monkeypatch, caplog,
                                                           tmp_path):
    claim_next = ResilientWorker.claim_next
    crashes = []

    def crash_once(self):
        if not crashes:
            crashes.append(self.worker_id)
            raise RuntimeError("a bug outside any task")
        return claim_next(self)

    monkeypatch.setattr(ResilientWorker, "claim_next", crash_once)
    result = hold.enqueue(path=str(tmp_path / "hold.json"), seconds=0)
    workers.start()
    assert wait_until_done(result, 10) == "SUCCESSFUL"
    assert crashes == ["worker-0"]
    assert "worker worker-0 crashed" in caplog.text
    assert "worker worker-0: restarting in 0.5s" in caplog.text
    assert workers.threads[0].restarts == 1


def test_stop_ends_an_idle_worker_at_once(workers):
    workers.start()
    time.sleep(0.2)
    started = time.monotonic()
    workers.stop()
    assert workers.join(5)
    assert time.monotonic() - started < 2  # not the poll interval

"""`manage.py serve` on the embedded default (no Redis): the task worker is a thread of the
daphne process, so its live events reach that process's sockets. It runs a task enqueued by
another process, and SIGTERM lets the task in hand finish before serve exits 0."""

import json
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.live_site import ROOT, LiveSite, copy_db, free_port, wait_for_port
from tests.ops.processes import Watched
from tests.ops.test_serve_one_worker import descendants

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]


def enqueue_hold(env: dict, path, seconds: float) -> None:
    script = ("import django; django.setup(); from tests.ops.tasks import hold; "
              f"hold.enqueue(path={str(path)!r}, seconds={seconds})")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr


def wait_for_marker(path, state: str, timeout: float = 20) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        if path.exists() and (seen := json.loads(path.read_text() or "{}")).get("state") == state:
            return seen
        if time.monotonic() >= deadline:
            pytest.fail(f"the task never reached {state!r}")
        time.sleep(0.05)


def test_worker_thread_runs_tasks_and_finishes_its_task_on_sigterm(site_template, tmp_path):
    db_file = copy_db(site_template, tmp_path / "site.sqlite3")
    site = LiveSite(db_file, redis_url="")  # the embedded default
    env = site.env | {"DJANGO_SETTINGS_MODULE": "yiban_core.settings"}
    port = free_port()
    serve = Watched([sys.executable, "manage.py", "serve", "--port", str(port)],
                    cwd=ROOT, env=env)
    try:
        wait_for_port(port, serve.process, timeout=60)
        serve.wait_for(r"worker worker-0 started")
        assert "with 1 task worker(s) inside the web process" in serve.output
        daphne_pid = int(serve.wait_for(r"started daphne \(pid (\d+)\)").group(1))
        tree = descendants(serve.process.pid)
        assert list(tree) == [daphne_pid], tree  # no task_worker process

        marker = tmp_path / "hold.json"
        enqueue_hold(env, marker, seconds=2)
        assert wait_for_marker(marker, "started")["pid"] == daphne_pid

        serve.process.send_signal(signal.SIGTERM)  # while the task sleeps
        assert serve.process.wait(timeout=10) == 0, serve.output
        assert wait_for_marker(marker, "done", timeout=0)["pid"] == daphne_pid
        with sqlite3.connect(db_file) as db:
            rows = db.execute("SELECT status, worker_ids FROM django_tasks_database_dbtaskresult "
                              "WHERE task_path = 'tests.ops.tasks.hold'").fetchall()
        assert rows == [("SUCCESSFUL", '["worker-0"]')], rows
    finally:
        serve.stop()

"""A task worker outlives its database going away: it backs off, and runs the queue again
once the database is back. The database here is a SQLite file whose folder is moved away
for a moment (every round opens a fresh connection, which then cannot open the file)."""

import sqlite3
import subprocess
import sys
import time

import pytest

from tests.live_site import ROOT, LiveSite, copy_db
from tests.ops.processes import Watched

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]

ENQUEUE = """
from tests.factories import actor_for, make_user
from yiban_core.accounts import services
services.follow(actor=actor_for(make_user()), username=make_user().username)
"""


def task_statuses(db_file) -> set[str]:
    with sqlite3.connect(db_file, timeout=5) as db:
        rows = db.execute("SELECT status FROM django_tasks_database_dbtaskresult")
        return {row[0] for row in rows}


def test_a_worker_survives_the_database_going_away(site_template, tmp_path):
    folder = tmp_path / "db"
    folder.mkdir()
    db_file = copy_db(site_template, folder / "site.sqlite3")
    site = LiveSite(db_file)
    worker = Watched([sys.executable, "manage.py", "task_worker", "--interval", "0.1",
                      "--no-startup-delay", "--worker-id", "steady"], cwd=ROOT, env=site.env)
    try:
        worker.wait_for("worker steady started")
        away = folder.rename(tmp_path / "db-away")
        worker.wait_for("database unavailable", timeout=10)
        time.sleep(1)  # a few failed rounds
        assert worker.process.poll() is None, worker.output
        assert not folder.exists(), worker.output
        away.rename(folder)
        worker.wait_for("database reachable again", timeout=15)

        subprocess.run([sys.executable, "manage.py", "shell", "-c", ENQUEUE], cwd=ROOT,
                       env=site.env, check=True, capture_output=True, timeout=120)
        deadline = time.monotonic() + 20
        while task_statuses(db_file) != {"SUCCESSFUL"} and time.monotonic() < deadline:
            time.sleep(0.2)
        assert task_statuses(db_file) == {"SUCCESSFUL"}, worker.output
        assert worker.process.poll() is None
    finally:
        worker.stop()

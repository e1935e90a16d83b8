"""A task worker killed (SIGKILL) in the middle of its queue loses nothing and doubles nothing:
the tasks it had claimed are run again by the next worker once their lease runs out, and
every follow acknowledged before the kill gives its followee exactly one notification."""

import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.live_site import ROOT, LiveSite, copy_db
from tests.ops.processes import Watched
from yiban_core import periodic

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]

FOLLOWS = 300
LEASE_S = 3  # short, so the survivor takes over the dead worker's claims within seconds

# Fans made in bulk (no password hashing); each follow is the real service, one task each.
ENQUEUE = f"""
from yiban_core.accounts import services
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
User.objects.bulk_create([User(username=f"fan{{i}}", password="!") for i in range({FOLLOWS})]
                         + [User(username="star", password="!")])
for fan in User.objects.filter(username__startswith="fan"):
    services.follow(actor=Actor.for_user(fan), username="star")
"""


def query(db_file, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(db_file, timeout=10) as db:
        return db.execute(sql, params).fetchall()


def tasks_by_status(db_file) -> dict[str, int]:
    """The follows' tasks by status (not the periodic ones a worker enqueues at start)."""
    periodic_paths = list(periodic.registered())
    marks = ", ".join("?" * len(periodic_paths))
    return dict(query(db_file, "SELECT status, count(*) FROM django_tasks_database_dbtaskresult"
                               f" WHERE task_path NOT IN ({marks}) GROUP BY status",
                      *periodic_paths))


def start_worker(site: LiveSite, worker_id: str) -> Watched:
    worker = Watched([sys.executable, "manage.py", "task_worker", "--interval", "0.05",
                      "--no-startup-delay", "--worker-id", worker_id],
                     cwd=ROOT, env={**site.env, "TASK_LEASE_S": str(LEASE_S)})
    worker.wait_for(f"worker {worker_id} started")
    return worker


def kill_mid_task(site: LiveSite, db_file, worker_id: str) -> list[str]:
    """SIGKILL the worker while it holds a claim; the ids of the tasks it left RUNNING."""
    worker = start_worker(site, worker_id)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            statuses = tasks_by_status(db_file)
            if statuses.get("SUCCESSFUL", 0) >= 20 and statuses.get("RUNNING"):
                worker.process.kill()
                break
            time.sleep(0.01)
        else:
            pytest.fail(f"worker never got going: {tasks_by_status(db_file)}\n{worker.output}")
    finally:
        worker.stop()  # reaps it
    assert worker.process.returncode == -signal.SIGKILL, worker.output
    return [row[0] for row in query(
        db_file, "SELECT id FROM django_tasks_database_dbtaskresult WHERE status = 'RUNNING'")]


def test_a_worker_killed_mid_queue_loses_and_doubles_nothing(site_template, tmp_path):
    db_file = copy_db(site_template, tmp_path / "site.sqlite3")
    site = LiveSite(db_file)
    subprocess.run([sys.executable, "manage.py", "shell", "-c", ENQUEUE], cwd=ROOT, env=site.env,
                   check=True, capture_output=True, timeout=300)
    assert tasks_by_status(db_file) == {"READY": FOLLOWS}

    # The task may finish between the poll and the kill: try again until one is caught.
    for attempt in range(5):
        stranded = kill_mid_task(site, db_file, f"doomed{attempt}")
        if stranded:
            break
    else:
        pytest.fail("no worker was caught holding a claim in 5 tries")
    assert tasks_by_status(db_file).get("READY"), "the kill came after the queue was drained"

    survivor = start_worker(site, "survivor")
    try:
        deadline = time.monotonic() + 60  # lease 3 s, 300 short tasks
        while set(tasks_by_status(db_file)) != {"SUCCESSFUL"} and time.monotonic() < deadline:
            time.sleep(0.2)
        assert tasks_by_status(db_file) == {"SUCCESSFUL": FOLLOWS}, (
            f"{tasks_by_status(db_file)}\n{survivor.output[-3000:]}")
        survivor.wait_for(r"claim by \['doomed\d'\] expired, queued again", timeout=1)
    finally:
        survivor.stop()

    # The claims the dead worker held were finished by the survivor, after it.
    for task_id in stranded:
        [(worker_ids,)] = query(db_file, "SELECT worker_ids FROM "
                                "django_tasks_database_dbtaskresult WHERE id = ?", task_id)
        assert worker_ids.startswith('["doomed') and worker_ids.endswith('"survivor"]')

    # Every acknowledged follow: exactly one notification to its followee, and nothing else.
    follows = query(db_file, "SELECT f.id FROM accounts_follow f JOIN accounts_user u"
                             " ON u.id = f.followee_id WHERE u.username = 'star'")
    assert len(follows) == FOLLOWS
    keys = [row[0] for row in query(
        db_file, "SELECT n.event_key FROM notifications_notification n JOIN accounts_user u"
                 " ON u.id = n.recipient_id WHERE u.username = 'star'")]
    assert sorted(keys) == sorted(f"follow:{pk}" for (pk,) in follows)
    assert query(db_file, "SELECT count(*) FROM notifications_notification") == [(FOLLOWS,)]

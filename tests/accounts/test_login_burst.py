"""A class logging in at once on PostgreSQL with a small pool: every login gets in
(queued by the hashing gate, yiban_core/accounts/hashers.py), none gets a 503.

Daphne serves the site on the PostgreSQL server of this machine (or of
DATABASE_URL), in a database of its own, with DB_POOL_MAX=3, and the site's own
Argon2id hasher. How long it takes is bench/logins.py's business, not this test's.
"""

from __future__ import annotations

import secrets
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request

import psycopg
import pytest
from psycopg import sql

from tests.live_site import ROOT, LiveSite
from tests.test_database_outage import create_database, database_url, server_params

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]

LOGINS = 40
PASSWORD = "class-of-2026-morning"
CREATE_USERS = f"""
from django.contrib.auth.hashers import make_password
from yiban_core.accounts.models import User
encoded = make_password({PASSWORD!r})
User.objects.bulk_create(User(username=f"student{{i:03d}}", password=encoded)
                         for i in range({LOGINS}))
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


@pytest.fixture
def small_pool_site(tmp_path, postgres_template):
    params = server_params()
    admin = {k: v for k, v in params.items() if v is not None}
    name = create_database(params, postgres_template, "yiban_logins")
    site = LiveSite(tmp_path / "unused.sqlite3")
    try:
        site.env.update(DATABASE_URL=database_url(params, params["port"], name), REDIS_URL="",
                        ACCELERATOR_REDIS_URL="", DB_POOL_MAX="3")
        done = subprocess.run([sys.executable, "manage.py", "shell", "-c", CREATE_USERS],
                              cwd=ROOT, env=site.env, capture_output=True, text=True,
                              timeout=300)
        assert done.returncode == 0, done.stderr
        yield site.start_daphne()
    finally:
        site.stop()
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                         .format(sql.Identifier(name)))


def login(port: int, username: str) -> int:
    token = secrets.token_hex(16)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/login/", method="POST",
        data=urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                     "csrfmiddlewaretoken": token}).encode(),
        headers={"Cookie": f"csrftoken={token}", "Referer": f"http://127.0.0.1:{port}/login/"})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_a_class_logging_in_at_once_all_get_in_with_a_small_pool(small_pool_site):
    port = small_pool_site
    statuses: list[int] = []
    start = threading.Barrier(LOGINS)

    def one(i: int) -> None:
        start.wait()
        statuses.append(login(port, f"student{i:03d}"))

    threads = [threading.Thread(target=one, args=(i,)) for i in range(LOGINS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [302] * LOGINS  # to the home page, logged in


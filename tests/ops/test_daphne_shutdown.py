"""A rolling restart as a request meets it: daphne (python -m yiban_core.daphne_server)
gets SIGTERM while a login is being answered; the login gets its whole answer, and the
process exits within seconds of it."""

from __future__ import annotations

import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest

from tests.live_site import ROOT, LiveSite, copy_db, free_port, wait_for_port
from tests.ops.processes import Watched

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]

PASSWORD = "rolling-restart-2026"
# A password hashed long ago with many PBKDF2 rounds: verifying it takes a second or
# more, so the login is surely in flight when the signal comes.
SLOW_USER = f"""
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from yiban_core.accounts.models import User
hasher = PBKDF2PasswordHasher()
User.objects.create(username="slow_login", password=hasher.encode(
    {PASSWORD!r}, hasher.salt(), iterations=5_000_000))
"""


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def login(port: int) -> tuple[int, dict, float]:
    token = secrets.token_hex(16)
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/login/", method="POST",
        data=urllib.parse.urlencode({"username": "slow_login", "password": PASSWORD,
                                     "csrfmiddlewaretoken": token}).encode(),
        headers={"Cookie": f"csrftoken={token}", "Referer": f"http://127.0.0.1:{port}/login/"})
    try:
        with urllib.request.build_opener(NoRedirect).open(request, timeout=60) as response:
            status, headers = response.status, response.headers
    except urllib.error.HTTPError as error:
        status, headers = error.code, error.headers
    return status, headers, time.monotonic()


def test_a_request_in_flight_at_sigterm_is_answered_and_daphne_exits(site_template, tmp_path):
    site = LiveSite(copy_db(site_template, tmp_path / "site.sqlite3"))
    site.env["SHUTDOWN_GRACE_S"] = "30"  # the login decides when it is done, not the grace
    made = subprocess.run([sys.executable, "manage.py", "shell", "-c", SLOW_USER], cwd=ROOT,
                          env=site.env, capture_output=True, text=True, timeout=120)
    assert made.returncode == 0, made.stderr
    port = free_port()
    daphne = Watched([sys.executable, "-m", "yiban_core.daphne_server", "-b", "127.0.0.1",
                      "-p", str(port), "yiban_core.asgi:application"], cwd=ROOT, env=site.env)
    try:
        wait_for_port(port, daphne.process, timeout=60)
        answers = []
        client = threading.Thread(target=lambda: answers.append(login(port)))
        started = time.monotonic()
        client.start()
        time.sleep(0.5)  # the login is being verified ...
        daphne.process.send_signal(signal.SIGTERM)  # ... when the restart comes
        client.join(60)

        status, headers, answered = answers[0]
        assert answered - started > 0.5  # it was in flight at the signal
        assert status == 302, daphne.output  # logged in, to the home page
        assert any(c.startswith("sessionid=") for c in headers.get_all("Set-Cookie"))
        assert daphne.process.wait(timeout=10) == 0, daphne.output
        assert time.monotonic() - answered < 5
        with pytest.raises(OSError):  # and nobody is listening any more
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
    finally:
        daphne.stop()

"""A real site for tests over the network: daphne processes on loopback ports over
a file SQLite database, tied together by the local Redis (the pub/sub channel
layer). `act` changes the site's data from a script run in its environment."""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LOCAL_REDIS = "redis://127.0.0.1:6379/13"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for_port(port: int, process: subprocess.Popen, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"server on port {port} exited: {process.stdout.read()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    pytest.fail(f"nothing listens on port {port}")


class LiveSite:
    def __init__(self, db_file: Path, redis_url: str = LOCAL_REDIS,
                 actions: str = "tests/realtime/site_actions.py"):
        self.actions = actions
        self.prefix = f"t{secrets.token_hex(4)}"  # runs sharing a Redis stay apart
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
        self.env.update(DATABASE_URL=f"sqlite:///{db_file}", REDIS_URL=redis_url,
                        ACCELERATOR_REDIS_URL="", CHANNEL_LAYER_PREFIX=self.prefix,
                        CACHE_KEY_PREFIX=self.prefix,
                        PYTHONPATH=str(ROOT))
        self.processes: list[subprocess.Popen] = []

    def start_daphne(self) -> int:
        port = free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
             "yiban_core.asgi:application"],
            cwd=ROOT, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        self.processes.append(process)
        wait_for_port(port, process)
        return port

    def act(self, action: str, **kwargs) -> dict:
        result = subprocess.run(
            [sys.executable, self.actions, action, json.dumps(kwargs)],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        return json.loads(result.stdout.strip().splitlines()[-1])

    def http_post(self, port: int, path: str, session: str) -> dict:
        """A POST as the web UI's fetch() makes it: session cookie and CSRF token."""
        token = secrets.token_hex(16)
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}{path}", data=b"", method="POST",
            headers={"Cookie": f"sessionid={session}; csrftoken={token}", "X-CSRFToken": token,
                     "Accept": "application/json"})
        with urllib.request.urlopen(request, timeout=10) as response:
            return json.loads(response.read())

    def stop(self) -> None:
        for process in self.processes:
            process.terminate()
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def migrate(database_url: str) -> None:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(DATABASE_URL=database_url, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "manage.py", "migrate", "--no-input"], cwd=ROOT,
                            env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr


def migrated_template(directory: Path) -> Path:
    db_file = directory / "template.sqlite3"
    migrate(f"sqlite:///{db_file}")
    return db_file


def copy_db(template: Path, target: Path) -> Path:
    shutil.copy(template, target)
    return target

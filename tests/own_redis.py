"""A Redis server of the test's own on a free port, with the settings production derives
from REDIS_URL (the cache, login lockout, timelines and cards), to kill or hang mid-test."""

from __future__ import annotations

import runpy
import signal
import subprocess
from pathlib import Path

import pytest

from realtime import limits
from tests.live_site import free_port, wait_for_port
from yiban_core import redis as accelerator
from yiban_core import settings as settings_module


class OwnRedis:
    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--daemonize", "no"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_for_port(self.port, self.process)

    def kill(self) -> None:
        self.process.kill()
        self.process.wait()

    def hang(self) -> None:
        """Stop answering, keeping every key (a hung server, a network cut)."""
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture(name="own_redis")
def own_redis_fixture(settings, monkeypatch):
    server = OwnRedis()
    server.start()
    # What the settings module makes of REDIS_URL, as a deployment would have it.
    monkeypatch.setenv("REDIS_URL", server.url)
    monkeypatch.delenv("ACCELERATOR_REDIS_URL", raising=False)
    production = runpy.run_path(str(Path(settings_module.__file__)))
    settings.CACHES = production["CACHES"]
    settings.AXES_HANDLER = production["AXES_HANDLER"]
    settings.ACCELERATOR_REDIS_URL = production["ACCELERATOR_REDIS_URL"]
    settings.CACHE_FALLBACK_RETRY_S = 0  # try Redis again at once: it comes back mid-test
    accelerator._client.cache_clear()
    monkeypatch.setattr(limits, "_slot_cache", None)
    yield server
    if server.process.poll() is None:
        server.resume()
        server.kill()
    accelerator._client.cache_clear()

"""A Redis server of the test's own on a free port, with the settings production derives
from REDIS_URL (the cache, login lockout, timelines and cards), to kill and restart mid-test."""

from __future__ import annotations

import runpy
import subprocess
from pathlib import Path

import pytest
import redis

from realtime import limits
from tests.live_site import free_port, wait_for_port
from yiban_core import redis as accelerator
from yiban_core import settings as settings_module


class OwnRedis:
    def __init__(self, data_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.data_dir = data_dir
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start, with the keys of the last snapshot (restart()) if there is one."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--save", "", "--appendonly", "no",
             "--dir", str(self.data_dir), "--daemonize", "no"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_for_port(self.port, self.process)

    def kill(self, *, keep_keys: bool = False) -> None:
        """Kill the server; with keep_keys, after a snapshot that start() loads again
        (a restart that keeps its data, but misses every write made while it was down)."""
        if keep_keys:
            redis.Redis.from_url(self.url).save()
        else:
            (self.data_dir / "dump.rdb").unlink(missing_ok=True)
        self.process.kill()
        self.process.wait()


@pytest.fixture(name="own_redis")
def own_redis_fixture(settings, monkeypatch, tmp_path):
    server = OwnRedis(tmp_path)
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
        server.kill()
    accelerator._client.cache_clear()

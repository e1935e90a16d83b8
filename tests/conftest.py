import os

import pytest
from django.core.management import call_command

from yiban_core import redis as accelerator


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate limits and cached reads must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def redis_timelines(settings):
    """Timelines in a real Redis (the suite's REDIS_URL, or the local server's db 15)."""
    settings.ACCELERATOR_REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/15"
    accelerator._client.cache_clear()
    client = accelerator.redis_client()
    client.flushdb()
    yield client
    client.flushdb()
    accelerator._client.cache_clear()


@pytest.fixture
def no_redis(settings):
    settings.ACCELERATOR_REDIS_URL = ""
    accelerator._client.cache_clear()
    yield
    accelerator._client.cache_clear()


@pytest.fixture
def run_worker():
    """Run every queued background task, as `manage.py db_worker` does."""

    def run():
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)

    return run

import os

import pytest
from django.core.management import call_command

from yiban_core import redis as accelerator


def pytest_configure(config):
    """A fast password hasher for the whole suite: PBKDF2's million rounds cost a
    fraction of a second per user and per client secret, and no test measures them.
    Sites started as separate processes (daphne) keep the real hasher."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Every account of the suite is seconds old: the new-account pre-moderation (a link or
    # an image waits for a moderator) would hold them all. Off here and in the sites the
    # suite starts; tests/moderation/test_premoderation.py turns it on.
    settings.MODERATION_NEW_ACCOUNT_HOURS = 0
    os.environ["MODERATION_NEW_ACCOUNT_HOURS"] = "0"


@pytest.fixture(scope="session")
def site_template(tmp_path_factory):
    """A migrated SQLite file that sites served by daphne start from (a copy each)."""
    from tests.live_site import migrated_template

    return migrated_template(tmp_path_factory.mktemp("live-template"))


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
    """Timelines in a real Redis: the suite's REDIS_URL, or, on the embedded default,
    the local server's db 14 (bin/test runs the suite on db 15 at the same time)."""
    settings.ACCELERATOR_REDIS_URL = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/14"
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

import os
import secrets
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import override_settings

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


def pytest_collection_modifyitems(config, items):
    """bin/test runs a self_contained test in one of its two runs only: it must not
    depend on the suite's database, which is what differs between them."""
    suite_db = {"db", "transactional_db", "live_server", "django_db_setup"}
    for item in items:
        if item.get_closest_marker("self_contained") and (
                item.get_closest_marker("django_db") or suite_db & set(item.fixturenames)):
            raise pytest.UsageError(f"{item.nodeid} is self_contained but uses the suite's "
                                    "database")
    # A `postgresql` test checks what only PostgreSQL has (a trigger): the embedded run
    # leaves it out (deselected, not skipped); the PostgreSQL run runs it.
    if connection.vendor != "postgresql":
        kept = [item for item in items if not item.get_closest_marker("postgresql")]
        config.hook.pytest_deselected(items=[i for i in items if i not in kept])
        items[:] = kept


@pytest.fixture(scope="session")
def site_template(tmp_path_factory):
    """A migrated SQLite file that sites served by daphne start from (a copy each)."""
    from tests.live_site import migrated_template

    return migrated_template(tmp_path_factory.mktemp("live-template"))


@pytest.fixture(scope="session")
def postgres_template():
    """The name of a migrated database on the PostgreSQL server that sites of their own
    run on (tests/test_database_outage.py): each starts from a copy of it (CREATE
    DATABASE ... TEMPLATE, a moment) rather than migrating its own (many seconds)."""
    import psycopg
    from psycopg import sql

    from tests.live_site import migrate
    from tests.test_database_outage import database_url, server_params

    params = server_params()
    admin = {k: v for k, v in params.items() if v is not None}
    name = f"yiban_template_{secrets.token_hex(4)}"
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    try:
        migrate(database_url(params, params["port"], name))
        yield name
    finally:
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                         .format(sql.Identifier(name)))


@pytest.fixture(autouse=True)
def _isolated_cache():
    """Rate limits and cached reads must not leak from one test into the next."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _media_root(request, settings, tmp_path):
    if "demo_db" not in request.fixturenames:  # the shared demo's files stay in its folder
        settings.MEDIA_ROOT = tmp_path / "media"


DEMO_STUDENTS = 120


@pytest.fixture(scope="class")
def demo_db(django_db_setup, django_db_blocker, tmp_path_factory):
    """`manage.py seed_demo --users 120`, run once for the tests of a class, which then
    read it: seeding is what makes these tests slow. Each test still runs in its own
    transaction, nested in this one and rolled back, so what a test changes (a second
    seed, a new member) stays its own; this one is rolled back after the class.
    Yields the command's output."""
    with override_settings(MEDIA_ROOT=tmp_path_factory.mktemp("demo-media")), \
            django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("seed_demo", users=DEMO_STUDENTS, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


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

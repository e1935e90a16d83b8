"""Real Chromium for the browser tests (Debian's /usr/bin/chromium, driven by Playwright).

A missing browser fails these tests: bin/test installs it, and a skipped browser
test must never pass for a green run."""

from pathlib import Path

import pytest
from django.db import connections
from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture(autouse=True)
def _allow_orm_next_to_playwright(monkeypatch):
    """Playwright's sync API runs an event loop in this thread; the ORM calls the test
    makes around it are plain synchronous ones. Set for these tests only: left in
    os.environ it would leak into the rest of the session (and `check --deploy`)."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run ./bin/test, which installs it")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
            # Django keeps a connection per context (asgiref's Local), and once the
            # sync_playwright block is left the teardown runs in another context than
            # the test did: the connection the test's ORM calls opened would stay
            # checked out of the pool, and PostgreSQL would refuse to drop the test
            # database at the end. Close it while it is still in reach.
            connections.close_all()

"""In a real Chromium at 1440 px: the GraphQL explorer spreads over the page's full
width (the other pages keep their reading column)."""

import pytest
from playwright import sync_api

from tests.e2e.conftest import ARTIFACTS
from tests.e2e.test_resource_flow import log_in
from tests.factories import make_user

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTH = 1440


def test_the_explorer_uses_the_full_width(live_server, browser):
    make_user("li_hua", display_name="李华")
    context, page = log_in(browser, live_server.url, "li_hua")
    page.set_viewport_size({"width": WIDTH, "height": 900})
    page.goto(f"{live_server.url}/developers/explorer")
    sync_api.expect(page.locator(".graphiql-execute-button")).to_be_visible(timeout=15_000)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "explorer-1440.png"))
    frame = page.locator("#graphiql").evaluate("e => e.getBoundingClientRect().width")
    assert frame >= WIDTH - 80, frame  # the page's side padding only, no reading column
    page.goto(f"{live_server.url}/resources/")  # the reading column stays on other pages
    column = page.locator("main.page").evaluate("e => e.getBoundingClientRect().width")
    assert column <= 1100, column
    context.close()

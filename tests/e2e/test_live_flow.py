"""In a real Chromium against daphne (pytest-django's live_server speaks no websockets):
the notification bell counts up and the "new posts" bar appears without a reload.

The site runs on a migrated file SQLite database with the local Redis as its channel
layer, because the task worker (run here as a separate process, as in production)
must reach the daphne process's sockets."""

import pytest
from playwright import sync_api

from tests.live_site import LiveSite, copy_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.self_contained,
]


@pytest.fixture
def site(tmp_path, site_template):
    live = LiveSite(copy_db(site_template, tmp_path / "site.sqlite3"))
    yield live
    live.stop()


def test_bell_and_new_posts_bar_update_live(site, browser):
    port = site.start_daphne()
    base_url = f"http://127.0.0.1:{port}"
    data = site.act("seed")
    site.act("follow", follower="alice_li", followee="bob_wang")

    context = browser.new_context(locale="zh-CN")
    context.add_cookies([{"name": "sessionid", "value": data["users"]["alice_li"]["session"],
                          "url": base_url}])
    page = context.new_page()
    page.goto(f"{base_url}/")
    badge = page.locator("[data-unread-badge]")
    sync_api.expect(badge).to_be_hidden()
    page.wait_for_function("document.querySelector('[data-live-stream]') !== null")
    page.wait_for_timeout(500)  # the socket is open and subscribed

    site.act("follow", follower="bob_wang", followee="alice_li")  # and the worker runs
    sync_api.expect(badge).to_have_text("1", timeout=10_000)
    sync_api.expect(badge).to_be_visible()

    posted = site.act("post", username="bob_wang", text="明天早上八点图书馆占座 #考研#")
    bar = page.locator("[data-new-posts-bar]")
    sync_api.expect(bar).to_be_visible(timeout=10_000)
    sync_api.expect(bar).to_contain_text("1 条新动态")
    bar.click()
    sync_api.expect(page.locator(f'[data-post-id="{posted["post_id"]}"]')).to_be_visible()
    sync_api.expect(bar).to_be_hidden()
    context.close()

"""In a real Chromium against daphne: B and C like A's post and B comments on it; A
opens 通知 in a second tab and reads one grouped row for the likes and the comment
with its words; the page marks them read, and the badge of the first tab, still open
on the home page, drops to 0 through the live socket without a reload.

The site runs on the embedded default (no Redis: the in-memory channel layer), which
is enough here: the marking and the push both happen in the daphne process."""

import pytest
from playwright import sync_api

from tests.e2e.conftest import ARTIFACTS
from tests.live_site import LiveSite, copy_db

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.self_contained,
]

COMMENT = "我也去！三楼靠窗的位置安静，八点前到就有座，记得带上高数课本和错题本"


@pytest.fixture
def site(tmp_path, site_template):
    live = LiveSite(copy_db(site_template, tmp_path / "site.sqlite3"), redis_url="")
    yield live
    live.stop()


def test_grouped_notifications_with_excerpts_are_read_on_opening(site, browser):
    port = site.start_daphne()
    base_url = f"http://127.0.0.1:{port}"
    data = site.act("seed")
    post_id = data["post_id"]
    for username in ("bob_wang", "carol_zhao"):
        site.act("like", username=username, post_id=post_id)
    site.act("comment", username="bob_wang", post_id=post_id, text=COMMENT)

    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 800})
    context.add_cookies([{"name": "sessionid", "value": data["users"]["alice_li"]["session"],
                          "url": base_url}])
    home = context.new_page()
    home.goto(f"{base_url}/")
    badge = home.locator("[data-unread-badge]")
    sync_api.expect(badge).to_have_text("3")
    home.wait_for_function("document.querySelector('[data-live-stream]') !== null")
    home.wait_for_timeout(500)  # the socket is open

    inbox = context.new_page()
    inbox.goto(f"{base_url}/")
    inbox.get_by_role("link", name="通知").first.click()
    inbox.wait_for_url(f"{base_url}/notifications/")
    rows = inbox.locator(".notification-text")
    sync_api.expect(rows).to_have_count(2)
    sync_api.expect(rows.nth(0)).to_have_text(
        f"bob_wang 评论了你的动态「周末一起去图书馆」：「{COMMENT[:30]}…」", use_inner_text=True)
    sync_api.expect(rows.nth(1)).to_contain_text("carol_zhao、bob_wang")
    sync_api.expect(rows.nth(1)).to_contain_text("赞了你的动态「周末一起去图书馆」")
    sync_api.expect(inbox.locator(".notification.unread")).to_have_count(2)  # new this visit
    sync_api.expect(inbox.locator("[data-unread-badge]")).to_be_hidden()

    sync_api.expect(badge).to_be_hidden(timeout=10_000)  # the other tab, live

    ARTIFACTS.mkdir(exist_ok=True)
    inbox.screenshot(path=str(ARTIFACTS / "notifications-1280.png"), full_page=True)
    inbox.set_viewport_size({"width": 390, "height": 844})
    inbox.screenshot(path=str(ARTIFACTS / "notifications-390.png"), full_page=True)
    inbox.locator(".notification-what").first.click()  # the row leads to the post
    inbox.wait_for_url(f"{base_url}/posts/{post_id}/")
    context.close()

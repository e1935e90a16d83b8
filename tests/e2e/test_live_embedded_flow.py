"""Live updates on the embedded default, as ./bin/demo runs the site: `manage.py serve` on a
file SQLite with no Redis (in-memory channel layer, the task worker a thread of daphne).
Two people in two browsers: Bob posts and Alice's home shows "1 条新动态" without a reload;
Bob likes and comments on Alice's post and her 通知 badge counts up live. The pushes are
sent by the task worker, which before could not reach daphne's sockets without Redis."""

import sys

import pytest
from playwright import sync_api

from tests.e2e.conftest import ARTIFACTS
from tests.live_site import ROOT, LiveSite, copy_db, free_port, wait_for_port
from tests.ops.processes import Watched

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.self_contained,
]


@pytest.fixture
def site(tmp_path, site_template):
    live = LiveSite(copy_db(site_template, tmp_path / "site.sqlite3"), redis_url="")
    port = free_port()
    serve = Watched([sys.executable, "manage.py", "serve", "--port", str(port)],
                    cwd=ROOT, env=live.env)
    try:
        wait_for_port(port, serve.process, timeout=60)
        serve.wait_for(r"worker worker-0 started")
        live.base_url = f"http://127.0.0.1:{port}"
        yield live
    finally:
        serve.stop()


def open_as(browser, base_url: str, session: str) -> sync_api.Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.add_cookies([{"name": "sessionid", "value": session, "url": base_url}])
    return context.new_page()


def test_new_posts_bar_and_badge_update_live_without_redis(site, browser):
    expect = sync_api.expect
    data = site.act("seed")  # Alice has a post; the seed's own tasks are run
    users, base_url = data["users"], site.base_url

    alice = open_as(browser, base_url, users["alice_li"]["session"])
    alice.goto(f"{base_url}/u/bob_wang/")
    alice.get_by_role("button", name="关注", exact=True).click()
    expect(alice.get_by_role("button", name="取消关注")).to_be_visible()
    alice.goto(f"{base_url}/")
    badge = alice.locator("[data-unread-badge]")
    expect(badge).to_be_hidden()
    alice.wait_for_function("document.querySelector('[data-live-stream]') !== null")
    alice.wait_for_timeout(500)  # the socket is open and subscribed

    bob = open_as(browser, base_url, users["bob_wang"]["session"])
    bob.goto(f"{base_url}/")
    bob.fill("#composer-text", "今晚七点自习室见，带上高数笔记 #期末复习#")
    bob.click("form[data-composer] button[type=submit]")
    expect(bob.locator(".messages")).to_contain_text("已发布")

    bar = alice.locator("[data-new-posts-bar]")
    expect(bar).to_be_visible(timeout=10_000)
    expect(bar).to_contain_text("1 条新动态")

    bob.goto(f"{base_url}/posts/{data['post_id']}/")
    bob.get_by_test_id("like-button").click()
    expect(badge).to_have_text("1", timeout=10_000)
    expect(badge).to_be_visible()
    bob.fill("#comment-text", "算我一个！")
    bob.click("#comments form.js-comment button[type=submit]")
    expect(badge).to_have_text("2", timeout=10_000)

    ARTIFACTS.mkdir(exist_ok=True)
    badge.scroll_into_view_if_needed()  # the header's links scroll sideways on narrow screens
    alice.screenshot(path=str(ARTIFACTS / "live-embedded-1280.png"))
    alice.set_viewport_size({"width": 390, "height": 844})
    badge.scroll_into_view_if_needed()
    alice.screenshot(path=str(ARTIFACTS / "live-embedded-390.png"))

    bar.click()
    expect(alice.locator("article.post").first).to_contain_text("今晚七点自习室见")
    expect(bar).to_be_hidden()

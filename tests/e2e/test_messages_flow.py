"""Two classmates chat live on the embedded default (`manage.py serve`, file SQLite, no
Redis): Alice opens 发私信 on Bob's page and sends; Bob's 私信 badge counts up and his
list shows it without a reload; his reply appears in Alice's open conversation; Alice
recalls her message and Bob's screen says so. At 1280 and on a 390-wide phone."""

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


def open_as(browser, base_url: str, session: str, width: int) -> sync_api.Page:
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 844})
    context.add_cookies([{"name": "sessionid", "value": session, "url": base_url}])
    return context.new_page()


def test_two_classmates_chat_live(site, browser):
    expect = sync_api.expect
    data = site.act("seed")
    site.act("follow", follower="alice_li", followee="bob_wang")
    site.act("follow", follower="bob_wang", followee="alice_li")
    users, base_url = data["users"], site.base_url
    errors = []

    bob = open_as(browser, base_url, users["bob_wang"]["session"], 390)
    bob.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    bob.goto(f"{base_url}/messages/")
    bob_badge = bob.locator("[data-unread-messages-badge]")
    expect(bob_badge).to_be_hidden()
    bob.wait_for_timeout(500)  # the socket is open

    alice = open_as(browser, base_url, users["alice_li"]["session"], 1280)
    alice.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    alice.goto(f"{base_url}/u/bob_wang/")
    alice.get_by_test_id("message-person").click()
    expect(alice.locator("[data-chat-thread]")).to_be_visible()
    alice.wait_for_load_state("domcontentloaded")  # messages.js (deferred) makes Enter send
    alice.fill("#chat-text", "今晚七点图书馆三楼，带上线代笔记")
    alice.press("#chat-text", "Enter")
    expect(alice.locator(".chat-message.is-mine").last).to_contain_text("今晚七点图书馆三楼")
    expect(alice.locator("#chat-text")).to_have_value("")

    expect(bob_badge).to_have_text("1", timeout=10_000)
    expect(bob.locator(".chat-row").first).to_contain_text("今晚七点图书馆三楼", timeout=10_000)
    bob.locator(".chat-row").first.click()
    expect(bob.locator(".chat-message").last).to_contain_text("今晚七点图书馆三楼")
    expect(bob_badge).to_be_hidden()
    bob.fill("#chat-text", "好的，我占座")
    bob.click("[data-chat-composer] button[type=submit]")

    expect(alice.locator(".chat-message:not(.is-mine)").last).to_contain_text(
        "好的，我占座", timeout=10_000)

    alice.locator(".chat-message.is-mine").last.get_by_role("button", name="撤回").click()
    expect(alice.locator(".chat-recalled")).to_contain_text("你撤回了一条消息")
    expect(bob.locator(".chat-recalled")).to_contain_text("撤回了一条消息", timeout=10_000)
    expect(bob.locator("[data-chat-messages]")).not_to_contain_text("今晚七点图书馆三楼")

    ARTIFACTS.mkdir(exist_ok=True)
    alice.screenshot(path=str(ARTIFACTS / "messages-1280.png"))
    bob.screenshot(path=str(ARTIFACTS / "messages-390.png"))
    # On a phone the thread fits the screen: nothing scrolls sideways.
    assert bob.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors

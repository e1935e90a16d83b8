"""In a real Chromium, at three desktop widths and on a phone: the 通知 link and its unread
badge are in sight and take the click (Playwright refuses to click an element another one
covers), the main sections are reachable, and the account menu holds 设置 (which opens
/settings/), 我的学校 and 退出, closes on Escape, and offers a student no 管理后台.
On the phone the page never scrolls sideways."""

import pytest
from playwright import sync_api

from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, actor_for, make_school, make_user
from yiban_core.accounts import services as account_services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

WIDTHS = (1280, 1440, 1920, 390)
PHONE = 390


@pytest.fixture(autouse=True)
def _notifications_at_once(settings):
    """A follow's notification is written by a task: run it within the follow."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_notifications_and_the_account_menu_at_every_width(live_server, browser):
    school = make_school("华南理工大学")
    make_user("li_hua", display_name="李华", school=school)
    base_url = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "li_hua")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")

    for width in WIDTHS:
        # A new follower at each width: an unread notification, whatever opening the
        # notifications page did to the earlier ones.
        fan = make_user(f"fan_{width}", display_name=f"同学{width}", school=school)
        account_services.follow(actor=actor_for(fan), username="li_hua")
        page.set_viewport_size({"width": width, "height": 860})
        page.goto(f"{base_url}/")
        if width == PHONE:
            assert no_sideways_scroll(page)

        notify = page.locator('header a.nav-notify[href="/notifications/"]')
        sync_api.expect(notify).to_be_visible()
        sync_api.expect(notify.locator("[data-unread-badge]")).to_be_visible()
        sync_api.expect(notify.locator("[data-unread-badge]")).not_to_have_text("0")
        notify.click(timeout=5_000)
        page.wait_for_url(f"{base_url}/notifications/")
        sync_api.expect(page.locator("main")).to_contain_text(f"同学{width}")

        # The main sections: in the top bar, or the tab bar at the bottom of a phone.
        groups = page.locator("nav.mainnav a", has_text="群组")
        sync_api.expect(groups).to_be_visible()
        groups.click(timeout=5_000)
        page.wait_for_url(f"{base_url}/groups/")

        menu = page.locator("header details.usermenu")
        menu.locator("summary").click()
        for entry in ("设置", "我的学校", "退出"):
            sync_api.expect(menu.get_by_role("link", name=entry, exact=True).or_(
                menu.get_by_role("button", name=entry, exact=True))).to_be_visible()
        sync_api.expect(menu.get_by_text("管理后台")).to_have_count(0)
        page.screenshot(path=str(ARTIFACTS / f"navigation-menu-{width}.png"))
        page.keyboard.press("Escape")
        sync_api.expect(menu.locator(".usermenu-panel")).to_be_hidden()

        menu.locator("summary").click()
        menu.get_by_role("link", name="设置", exact=True).click(timeout=5_000)
        page.wait_for_url(f"{base_url}/settings/")
        sync_api.expect(page.locator("h1")).to_have_text("设置")
        sync_api.expect(page.locator("nav.settings-nav a[aria-current=page]")).to_have_text("概览")
        if width == PHONE:
            assert no_sideways_scroll(page)
    context.close()

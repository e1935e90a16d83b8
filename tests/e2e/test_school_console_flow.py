"""In a real Chromium on a phone (390 px) and a desktop: a school's administrator opens
学校管理后台 from the account menu, finds a member by pinyin on the members page, and
moves between the school's pages by the console's tabs; the page never scrolls sideways
on the phone (the tabs scroll within themselves)."""

import pytest
from playwright import sync_api

from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_school, make_user, verify
from yiban_core.accounts.models import User

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def no_sideways_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


@pytest.mark.parametrize("width", [390, 1280])
def test_a_school_admin_works_in_the_console(live_server, browser, width):
    school = make_school("华东师范大学")
    admin = make_user("jiaowu_li", school=school, role=User.Role.STAFF, display_name="李教务")
    school.administrators.add(admin)
    verify(make_user("zhang_wei", school=school, display_name="张伟"), "20240001")
    make_user("wang_fang", school=school, display_name="王芳")
    base_url = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)

    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": 860})
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "jiaowu_li")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")

    menu = page.locator("header details.usermenu")
    menu.locator("summary").click()
    menu.get_by_role("link", name="管理后台", exact=True).click(timeout=5_000)
    page.wait_for_url(f"{base_url}/schools/{school.pk}/")
    sync_api.expect(page.locator("h1")).to_have_text("学校管理后台")
    sync_api.expect(page.locator("[data-count=members]")).to_have_text("3")
    assert no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"school-console-{width}.png"), full_page=True)

    page.locator("nav.school-nav").get_by_role("link", name="成员", exact=True).click()
    page.wait_for_url(f"{base_url}/schools/{school.pk}/members/")
    page.fill("#member-q", "zw")
    page.locator("form.member-search button[type=submit]").click()
    sync_api.expect(page.locator("[data-member]")).to_have_count(1)
    sync_api.expect(page.locator("[data-member]")).to_contain_text("张伟")
    assert no_sideways_scroll(page)
    page.screenshot(path=str(ARTIFACTS / f"school-members-{width}.png"), full_page=True)

    audit = page.locator("nav.school-nav").get_by_role("link", name="审计日志", exact=True)
    audit.scroll_into_view_if_needed()
    audit.click(timeout=5_000)
    page.wait_for_url(f"{base_url}/schools/{school.pk}/audit/")
    sync_api.expect(page.locator("nav.school-nav a[aria-current=page]")).to_have_text("审计日志")
    assert no_sideways_scroll(page)
    context.close()

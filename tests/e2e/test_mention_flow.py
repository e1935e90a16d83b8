"""In a real Chromium: typing "@李" in the composer offers people by name; the one picked
(of two 李月婷, told apart by their majors) is who the post links to."""

import pytest
from playwright import sync_api

from feeds.models import Post
from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, actor_for, make_school, make_user
from yiban_core.accounts import services as account_services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_pick_a_person_from_the_mention_dropdown(live_server, browser):
    school = make_school("清华大学")
    author = make_user("li_xiaoming", school=school, display_name="李小明")
    for username, major in (("lyt_cs", "计算机科学与技术"), ("lyt_math", "数学与应用数学")):
        person = make_user(username, school=school, display_name="李月婷")
        account_services.update_profile(actor=actor_for(person), major=major)
    account_services.follow(actor=actor_for(author), username="lyt_math")
    base_url = live_server.url
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    expect = sync_api.expect

    page.goto(f"{base_url}/login/")
    page.fill("#id_username", "li_xiaoming")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")

    composer = page.locator("#composer-text")
    composer.click()
    composer.press_sequentially("明天一起复习吧 @李")
    menu = page.locator(".mention-menu")
    expect(menu).to_be_visible()
    options = menu.get_by_role("option")
    expect(options).to_have_count(2)
    # The one I follow comes first; each shows school and major to tell them apart.
    expect(options.nth(0)).to_contain_text("清华大学 · 数学与应用数学")
    expect(options.nth(1)).to_contain_text("清华大学 · 计算机科学与技术")
    box = menu.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390  # fits the phone's width

    composer.press("ArrowDown")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    composer.press("Enter")
    expect(menu).to_be_hidden()
    expect(composer).to_have_value("明天一起复习吧 @李月婷 ")
    page.click("form[data-composer] button[type=submit]")
    page.wait_for_url(f"{base_url}/")

    link = page.locator("article.post").first.locator("a.mention")
    expect(link).to_have_text("@李月婷")
    expect(link).to_have_attribute("href", "/u/lyt_cs/")
    assert Post.objects.get().mention_links == {"李月婷": "lyt_cs"}

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "mention-link.png"), full_page=True)
    context.close()

"""In a real Chromium: a student types 高数 into the top search box, sees people, groups and
topics suggested under it (their school's class group, not another school's), moves with
the arrow keys, closes with Esc, and Enter goes to the results, which name each resource's
school. On a phone the suggestions fit the screen."""

import pytest
from playwright import sync_api

from feeds import services as feed_services
from resources import services as resource_services
from tests.e2e.conftest import ARTIFACTS
from tests.factories import (
    PASSWORD,
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def log_in(browser, base_url, username, **context_options):
    context = browser.new_context(locale="zh-CN", **context_options)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return context, page


def test_type_gaoshu_see_suggestions_and_enter_for_results(live_server, browser, run_worker):
    school, other = make_school("清华大学"), make_school("北京大学")
    student = verify(make_user("li_yueting", display_name="李月婷", school=school))
    teacher = verify(make_teacher("gao_laoshi", school=school))
    make_class_group(teacher, name="高数A班（2025秋）", school=school)
    make_class_group(verify(make_teacher(school=other)), name="高数B班（北大）", school=other)
    make_interest_group(student, name="高数互助小组", school=school)
    feed_services.publish_post(actor=actor_for(student), text="今天开始 #高数打卡# 第一天")
    resource_services.publish_resource(actor=actor_for(teacher), title="高等数学期末复习资料",
                                       subject="mathematics", url="https://example.edu.cn/gs",
                                       description="极限、导数和积分的重点整理")
    run_worker()  # the search index
    base_url = live_server.url
    ARTIFACTS.mkdir(exist_ok=True)

    context, page = log_in(browser, base_url, "li_yueting", viewport={"width": 1280, "height": 800})
    box = page.locator("#topsearch-q")
    box.click()
    box.press_sequentially("高数", delay=60)
    suggestions = page.locator("#topsearch-suggest")
    sync_api.expect(suggestions).to_be_visible()
    sync_api.expect(suggestions.locator("[data-kind=group]").first).to_contain_text("高数")
    sync_api.expect(suggestions).to_contain_text("高数A班（2025秋）")
    sync_api.expect(suggestions).to_contain_text("#高数打卡#")
    sync_api.expect(suggestions).not_to_contain_text("高数B班（北大）")
    page.screenshot(path=str(ARTIFACTS / "search-suggest-1280.png"))

    box.press("ArrowDown")
    sync_api.expect(suggestions.locator("[role=option]").first).to_have_attribute(
        "aria-selected", "true")
    box.press("Escape")
    sync_api.expect(suggestions).to_be_hidden()

    box.press("ArrowUp")  # the list again, nothing chosen: Enter searches
    box.press("Escape")
    box.press("Enter")
    page.wait_for_url("**/search/?q=*")
    result = page.locator(".search-result[data-kind=resource]")
    sync_api.expect(result).to_contain_text("高等数学期末复习资料")
    sync_api.expect(result).to_contain_text("清华大学")
    page.screenshot(path=str(ARTIFACTS / "search-results-1280.png"))
    context.close()

    context, page = log_in(browser, base_url, "li_yueting", viewport={"width": 390, "height": 844},
                           is_mobile=True, has_touch=True)
    box = page.locator("#topsearch-q")
    box.click()
    box.press_sequentially("gaoshu", delay=40)
    sync_api.expect(suggestions := page.locator("#topsearch-suggest")).to_be_visible()
    sync_api.expect(suggestions).to_contain_text("高数互助小组")
    placed = suggestions.bounding_box()
    assert placed["x"] >= 0 and placed["x"] + placed["width"] <= 390
    page.screenshot(path=str(ARTIFACTS / "search-suggest-390.png"))
    context.close()

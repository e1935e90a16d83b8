"""In a real Chromium: a teacher publishes a poll (投票) from the class group's composer, a
student votes on her phone (390 px wide) from the group page and sees the results with her
choice; the teacher publishes an announcement and, after the student opened it, sees her
among those who have read it."""

import pytest
from playwright import sync_api

from feeds.models import AnnouncementRead, Poll
from tests.e2e.conftest import ARTIFACTS
from tests.factories import (
    PASSWORD,
    actor_for,
    make_class_group,
    make_school,
    make_teacher,
    make_user,
)
from yiban_core.groups import services as group_services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def log_in(browser, base_url: str, username: str, *, phone: bool = False):
    viewport = {"width": 390, "height": 844} if phone else {"width": 1280, "height": 900}
    context = browser.new_context(locale="zh-CN", viewport=viewport)
    page = context.new_page()
    page.goto(f"{base_url}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    return context, page


def test_a_student_votes_on_her_phone_and_the_teacher_sees_who_read(live_server, browser):
    school = make_school("华南理工大学")
    teacher = make_teacher("chen_laoshi", school=school)
    group = make_class_group(teacher, name="软件工程2024级3班")
    student = make_user("li_xiaoming", school=school, display_name="李小明")
    group_services.join_by_code(actor=actor_for(student), code=group.join_code)
    base = live_server.url
    group_url = f"{base}/groups/{group.pk}/"

    # 1. The teacher writes a poll under the group's composer.
    context, page = log_in(browser, base, "chen_laoshi")
    page.goto(group_url)
    page.fill("#composer-text", "下周班会放在哪天？")
    page.locator("details.composer-poll summary").click()
    page.get_by_test_id("poll-options").fill("周三晚上\n周五下午")
    page.select_option("#composer-poll-hours", "72")
    page.click("form.composer button[type=submit]")
    sync_api.expect(page.locator(".messages")).to_contain_text("已发布")
    sync_api.expect(page.locator(".poll").first).to_contain_text("周五下午")
    context.close()

    # 2. The student votes on her phone.
    context, page = log_in(browser, base, "li_xiaoming", phone=True)
    page.goto(group_url)
    poll = page.locator(".poll").first
    poll.get_by_label("周五下午").check()
    poll.get_by_test_id("poll-submit").click()
    sync_api.expect(page.locator(".messages")).to_contain_text("投票成功")
    results = page.get_by_test_id("poll-results").first
    sync_api.expect(results).to_contain_text("我的选择")
    sync_api.expect(results).to_contain_text("100%")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "poll-voted-390.png"), full_page=True)
    context.close()

    options = Poll.objects.get().options.order_by("position")
    assert [o.vote_count for o in options] == [0, 1]

    # 3. An announcement: the student opens it, the teacher sees her as read.
    context, page = log_in(browser, base, "chen_laoshi")
    page.goto(group_url)
    page.fill("#composer-text", "周五下午三点在教三 201 开班会")
    page.get_by_test_id("announce").check()
    page.click("form.composer button[type=submit]")
    sync_api.expect(page.locator(".messages")).to_contain_text("公告已发布")
    announcement_url = page.locator(".announcements .post-meta a").first.get_attribute("href")
    student_context, student_page = log_in(browser, base, "li_xiaoming", phone=True)
    student_page.goto(f"{base}{announcement_url}")
    sync_api.expect(student_page.locator(".read-receipt")).to_contain_text("已读")
    student_context.close()
    page.goto(f"{base}{announcement_url}")
    sync_api.expect(page.get_by_test_id("read-count")).to_contain_text("1 人已读 · 0 人未读")
    sync_api.expect(page.get_by_test_id("read-list")).to_contain_text("李小明")
    context.close()
    assert AnnouncementRead.objects.filter(user=student).exists()

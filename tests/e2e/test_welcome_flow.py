"""In a real Chromium: a student registers, the home page welcomes her with a checklist
and classmates of her school and major, she follows one, and the step shows done."""

import pytest
from playwright import sync_api

from tests.factories import PASSWORD, make_school, make_user
from yiban_core.accounts.models import Follow, Profile

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_a_new_student_is_welcomed_and_follows_a_suggested_classmate(live_server, browser):
    school = make_school("华南理工大学")
    classmate = make_user("zhang_shuheng", school=school, display_name="张书恒")
    Profile.objects.filter(user=classmate).update(major="软件工程", enrolment_year=2024)
    base_url = live_server.url

    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    page.goto(f"{base_url}/register/")
    page.fill("#id_username", "li_yueting")
    page.fill("#id_display_name", "李月婷")
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.select_option("#id_role", "student")
    page.select_option("#id_school", label=school.name)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")

    panel = page.get_by_test_id("welcome")
    sync_api.expect(panel).to_contain_text("欢迎来到易班学习网")
    sync_api.expect(panel).to_contain_text("新手任务 0/4")
    follow_step = panel.locator('[data-step="follow"]')
    sync_api.expect(follow_step).not_to_contain_text("已完成")
    suggestion = panel.locator('.welcome-person[data-username="zhang_shuheng"]')
    sync_api.expect(suggestion).to_contain_text("软件工程")

    suggestion.get_by_role("button", name="关注").click()
    page.wait_for_url(f"{base_url}/")
    sync_api.expect(page.locator(".messages")).to_contain_text("已关注")
    sync_api.expect(follow_step).to_contain_text("已完成")
    sync_api.expect(panel).to_contain_text("新手任务 1/4")
    sync_api.expect(panel.locator(".welcome-person")).to_have_count(0)
    assert Follow.objects.filter(follower__username="li_yueting", followee=classmate).exists()
    context.close()

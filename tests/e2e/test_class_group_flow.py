"""In a real Chromium: a teacher and a student register through the pages, the
teacher creates a class group, the student joins it with the code read from the
teacher's page, and then appears in the member list."""

import pytest
from playwright import sync_api

from tests.e2e.conftest import ARTIFACTS
from tests.factories import PASSWORD, make_school
from yiban_core.accounts.models import User
from yiban_core.groups.models import Group, Membership

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def register(page, base_url, *, username, display_name, role, school_name=None):
    page.goto(f"{base_url}/register/")
    page.fill("#id_username", username)
    page.fill("#id_display_name", display_name)
    page.fill("#id_password1", PASSWORD)
    page.fill("#id_password2", PASSWORD)
    page.select_option("#id_role", role)
    if school_name:
        page.select_option("#id_school", label=school_name)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base_url}/")
    sync_api.expect(page.locator(".messages")).to_contain_text("注册成功")


def test_teacher_creates_class_group_and_student_joins_with_the_code(live_server, browser):
    school = make_school("华南理工大学")
    base_url = live_server.url

    teacher_context = browser.new_context(locale="zh-CN")
    teacher = teacher_context.new_page()
    register(teacher, base_url, username="chen_laoshi", display_name="陈老师", role="teacher",
             school_name=school.name)
    teacher.goto(f"{base_url}/groups/new/")
    teacher.fill("#id_name", "软件工程2024级3班")
    teacher.select_option("#id_kind", "class")
    teacher.fill("#id_description", "班级通知与学习资料")
    teacher.click("main form button[type=submit]")
    sync_api.expect(teacher.locator("h1")).to_have_text("软件工程2024级3班")
    code = teacher.get_by_test_id("join-code").inner_text().strip()
    assert len(code) == 8
    teacher_context.close()

    student_context = browser.new_context(locale="zh-CN")
    student = student_context.new_page()
    register(student, base_url, username="li_xiaoming", display_name="李小明", role="student")
    student.goto(f"{base_url}/groups/join/")
    student.fill("#id_code", code.lower())
    student.click("main form.join-code-form button[type=submit]")
    sync_api.expect(student.locator(".messages")).to_contain_text("已加入 软件工程2024级3班")
    student.click("nav.tabs >> text=成员")
    members = student.locator(".member-list")
    sync_api.expect(members).to_contain_text("李小明")
    sync_api.expect(members).to_contain_text("陈老师")

    ARTIFACTS.mkdir(exist_ok=True)
    student.screenshot(path=str(ARTIFACTS / "class-group-members.png"), full_page=True)
    student_context.close()

    group = Group.objects.get(name="软件工程2024级3班")
    assert group.school == school and group.join_code == code
    assert group.owner == User.objects.get(username="chen_laoshi")
    assert Membership.objects.filter(group=group, user__username="li_xiaoming",
                                     role="member").exists()
    assert group.member_count == 2

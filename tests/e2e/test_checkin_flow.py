"""In real Chromium: a teacher starts a check-in from the class group's page with a rotating
code and the classroom's place, opens the classroom screen, and a student on a 390 px
phone, with geolocation granted, types the code from the screen and checks in; the teacher
sees it in the attendance table."""

import re

import pytest
from playwright import sync_api

from classroom.models import Attendance
from tests.e2e.conftest import ARTIFACTS
from tests.factories import (
    PASSWORD,
    actor_for,
    make_class_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from yiban_core.groups import services

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

ROOM = {"latitude": 30.5122, "longitude": 114.4136, "accuracy": 20}  # 教一楼 201
SEAT = {"latitude": 30.51235, "longitude": 114.41368, "accuracy": 12}  # ~17 m away


def log_in(page, base, username):
    page.goto(f"{base}/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{base}/")


def test_teacher_runs_a_check_in_that_a_student_completes_on_a_phone(live_server, browser):
    school = make_school("华中科技大学")
    teacher = make_teacher("liu_laoshi", school=school)
    group = make_class_group(teacher, name="大学物理（电气2402班）", school=school)
    student = verify(make_user("he_yu", school=school, display_name="何雨"), "U202412345")
    services.join_by_code(actor=actor_for(student), code=group.join_code)
    base = live_server.url

    desk = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                               permissions=["geolocation"], geolocation=ROOM)
    page = desk.new_page()
    log_in(page, base, "liu_laoshi")
    page.goto(f"{base}/groups/{group.pk}/")
    page.get_by_role("link", name="签到", exact=True).click()
    page.get_by_label("标题").fill("大学物理 第7周 周三")
    page.get_by_label("大屏幕动态签到码（每 10 秒更换）").check()
    page.get_by_label("限定签到地点（用我现在的位置）").check()
    sync_api.expect(page.locator("[data-place-status]")).to_contain_text("已取得位置")
    page.get_by_label("签到范围（米）").fill("60")
    page.get_by_role("button", name="开始签到").click()
    sync_api.expect(page.get_by_test_id("checkin-state")).to_have_text("进行中")
    checkin_url = page.url

    with page.expect_popup() as popup:
        page.get_by_role("link", name="打开签到大屏").click()
    screen = popup.value
    code = screen.get_by_test_id("screen-code")
    sync_api.expect(code).to_have_text(re.compile(r"^\d{6}$"))

    phone = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844},
                                is_mobile=True, has_touch=True,
                                permissions=["geolocation"], geolocation=SEAT)
    mobile = phone.new_page()
    log_in(mobile, base, "he_yu")
    mobile.goto(f"{base}/groups/{group.pk}/")
    mobile.get_by_role("link", name="签到", exact=True).click()
    mobile.get_by_role("link", name="大学物理 第7周 周三").click()
    # A place check-in asks for its own consent to the location first (PIPL Art. 29).
    sync_api.expect(mobile.get_by_test_id("location-consent")).to_contain_text("签到时使用位置")
    mobile.get_by_role("button", name="同意签到时使用位置").click()
    mobile.get_by_label("大屏幕上的签到码").fill(code.inner_text())
    mobile.get_by_role("button", name="签到", exact=True).click()
    sync_api.expect(mobile.locator(".messages")).to_contain_text("签到成功")
    sync_api.expect(mobile.get_by_test_id("my-record")).to_contain_text("已签到")
    width = mobile.evaluate("document.documentElement.scrollWidth")
    ARTIFACTS.mkdir(exist_ok=True)
    mobile.screenshot(path=str(ARTIFACTS / "checkin-phone.png"), full_page=True)
    screen.screenshot(path=str(ARTIFACTS / "checkin-screen.png"))
    sync_api.expect(screen.get_by_test_id("screen-count")).to_have_text("已签到 1 / 1 人",
                                                                        timeout=15_000)

    page.goto(checkin_url)
    sync_api.expect(page.get_by_test_id("attendance-table")).to_contain_text("何雨")
    sync_api.expect(page.get_by_test_id("attendance-summary")).to_contain_text("已签到 1")
    phone.close()
    desk.close()

    assert width <= 390  # nothing wider than the phone
    record = Attendance.objects.get(user=student)
    assert record.status == "present"
    assert record.accuracy_m == 12 and record.distance_m < 30

"""In a real Chromium: a teacher ticks two of three join requests, approves them with
批准所选, then opens the member table (学号 column) and downloads it as CSV."""

import csv
import io

import pytest
from playwright import sync_api

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
from yiban_core.groups.models import JoinRequest

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]


def test_teacher_approves_two_requests_and_exports_the_members(live_server, browser):
    school = make_school("浙江大学")
    teacher = make_teacher("zhou_laoshi", school=school)
    group = make_class_group(teacher, name="数据结构（软工2401班）")
    services.update_group(actor=actor_for(teacher), group=group, join_policy="approval")
    for username, name, number in [("zhao_lei", "赵磊", "2024030101"),
                                   ("sun_li", "孙丽", "2024030102"),
                                   ("qian_hao", "钱浩", "2024030103")]:
        student = verify(make_user(username, school=school, display_name=name), number)
        services.request_to_join(actor=actor_for(student), group=group, message="数据结构选课")

    context = browser.new_context(locale="zh-CN", accept_downloads=True,
                                  viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.goto(f"{live_server.url}/login/")
    page.fill("#id_username", "zhou_laoshi")
    page.fill("#id_password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")

    page.goto(f"{live_server.url}/groups/{group.pk}/manage/")
    page.get_by_label("选择 赵磊 的申请").check()
    page.get_by_label("选择 孙丽 的申请").check()
    page.get_by_role("button", name="批准所选").click()
    sync_api.expect(page.locator(".messages")).to_contain_text("已通过 2 条申请")
    requests = page.get_by_test_id("join-requests")
    sync_api.expect(requests).to_contain_text("钱浩")
    sync_api.expect(requests).not_to_contain_text("赵磊")

    page.get_by_role("link", name="查看名册").click()
    table = page.get_by_test_id("member-table")
    sync_api.expect(table).to_contain_text("2024030101")
    sync_api.expect(table).to_contain_text("孙丽")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "teacher-member-table.png"), full_page=True)
    with page.expect_download() as download_info:
        page.get_by_test_id("export-csv").click()
    data = open(download_info.value.path(), "rb").read()
    context.close()

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert {(row[0], row[2]) for row in rows[1:]} == {
        ("zhou_laoshi", ""), ("赵磊", "2024030101"), ("孙丽", "2024030102")}
    assert JoinRequest.objects.get(user__username="qian_hao").status == "pending"

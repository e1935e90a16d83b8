"""The check-in pages: the teacher starts one from the class group, the student checks in
from the phone page, the teacher marks and exports; refusals are messages, never a 500."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from classroom import codes
from classroom.models import Attendance, Checkin
from tests.classroom.conftest import ROOM
from tests.factories import make_user


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client
    return login


def test_a_teacher_starts_a_check_in_from_the_group_page(klass, as_user):
    client = as_user(klass.teacher)
    page = client.get(reverse("group_detail", args=[klass.group.pk]))
    assert reverse("group_checkins", args=[klass.group.pk]) in page.content.decode()
    response = client.post(reverse("group_checkins", args=[klass.group.pk]), {
        "title": "线性代数 第5周", "duration_minutes": 15, "grace_minutes": 5,
        "rotating_code": "on", "use_place": "on", "latitude": ROOM[0], "longitude": ROOM[1],
        "radius_m": 80, "one_device": "on"})
    checkin = Checkin.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("checkin_detail", args=[checkin.pk])
    assert (checkin.title, checkin.radius_m, checkin.one_device, checkin.requires_code) == (
        "线性代数 第5周", 80, True, True)
    screen = client.get(reverse("checkin_screen", args=[checkin.pk]))
    assert screen.status_code == 200 and "<script>" not in screen.content.decode()
    data = client.get(reverse("checkin_code", args=[checkin.pk])).json()
    assert codes.accepts(checkin.code_secret, data["code"])
    assert 0 < data["refresh_in_ms"] <= 10_050 and data["expected"] == 3


def test_a_bad_start_is_shown_on_the_form(klass, as_user):
    client = as_user(klass.teacher)
    response = client.post(reverse("group_checkins", args=[klass.group.pk]), {
        "duration_minutes": 10, "grace_minutes": 30})
    assert response.status_code == 200
    assert "迟到宽限" in response.content.decode()
    assert not Checkin.objects.exists()


def test_a_student_cannot_start_or_open_the_screen(klass, as_user):
    from classroom import services
    from tests.factories import actor_for

    checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                     rotating_code=True)
    client = as_user(klass.students[0])
    page = client.get(reverse("group_checkins", args=[klass.group.pk]))
    assert page.status_code == 200 and "开始签到" not in page.content.decode()
    client.post(reverse("group_checkins", args=[klass.group.pk]), {"duration_minutes": 10,
                                                                   "grace_minutes": 0})
    assert Checkin.objects.count() == 1
    assert client.get(reverse("checkin_screen", args=[checkin.pk])).status_code == 403
    assert client.get(reverse("checkin_code", args=[checkin.pk])).status_code == 403
    assert client.get(reverse("checkin_csv", args=[checkin.pk])).status_code == 403
    stranger = as_user(make_user("stranger"))
    assert stranger.get(reverse("checkin_detail", args=[checkin.pk])).status_code == 404
    assert stranger.get(reverse("checkin_detail", args=[10**30])).status_code == 404


def test_a_second_account_on_the_same_browser_is_refused(klass, client):
    from classroom import services
    from tests.factories import actor_for

    checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                     one_device=True, grace_minutes=5)
    first, second, _third = klass.students
    client.force_login(first)
    client.get(reverse("checkin_detail", args=[checkin.pk]))  # the device cookie is set
    client.post(reverse("checkin_submit", args=[checkin.pk]))
    device = client.cookies["yiban_device"].value
    client.logout()  # the test client forgets every cookie; a browser keeps this one
    client.cookies["yiban_device"] = device
    client.force_login(second)
    response = client.post(reverse("checkin_submit", args=[checkin.pk]), follow=True)
    assert "这台设备已经为其他同学签过到了" in response.content.decode()
    assert list(Attendance.objects.values_list("user__username", flat=True)) == [first.username]


def test_the_teacher_marks_by_hand_and_exports_csv(klass, as_user):
    from classroom import services
    from tests.factories import actor_for

    checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                     grace_minutes=5)
    services.check_in(actor=actor_for(klass.students[0]), checkin_id=checkin.pk)
    client = as_user(klass.teacher)
    client.post(reverse("checkin_mark", args=[checkin.pk]),
                {"username": "zhang_wei", "status": "excused", "note": "=病假"})
    client.post(reverse("checkin_close", args=[checkin.pk]))
    page = client.get(reverse("checkin_detail", args=[checkin.pk])).content.decode()
    assert "应到 3 人：已签到 1，迟到 0，请假 1，缺勤 1" in page
    response = client.get(reverse("checkin_csv", args=[checkin.pk]))
    data = response.content
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["li_ming"][3] == "已签到" and by_name["li_ming"][2] == "2024030101"
    assert by_name["zhang_wei"][3] == "请假" and by_name["zhang_wei"][7] == "'=病假"
    assert by_name["chen_jing"][3] == "缺勤"


def test_the_class_monitor_sees_the_roll_and_checks_in_from_the_page(klass, as_user):
    """A student made an admin of the class (班长) runs the roll call and is on it too: the
    page shows her the attendance and the 签到 button; the teacher, not on the roll, no
    button."""
    from classroom import services
    from tests.factories import actor_for
    from yiban_core.groups import services as group_services

    monitor = klass.students[0]
    group_services.set_member_role(actor=actor_for(klass.teacher), group=klass.group,
                                   username=monitor.username, role="admin")
    checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                     grace_minutes=5)
    detail = reverse("checkin_detail", args=[checkin.pk])
    submit = reverse("checkin_submit", args=[checkin.pk])
    teacher_page = as_user(klass.teacher).get(detail).content.decode()
    assert 'data-testid="attendance"' in teacher_page and submit not in teacher_page
    client = as_user(monitor)
    page = client.get(detail).content.decode()
    assert 'data-testid="attendance"' in page and submit in page
    client.post(submit)
    assert Attendance.objects.get(checkin=checkin, user=monitor).status == "present"
    assert 'data-testid="my-record"' in client.get(detail).content.decode()

"""Check-in (签到): who may start one, and what a student's check-in must prove. A refused
check-in says why and changes nothing: no record, no points."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from classroom import codes, geo, selectors, services
from classroom.models import Attendance, Checkin
from tests.classroom.conftest import FAR, ROOM
from tests.factories import actor_for, make_interest_group, make_teacher, make_user
from yiban_core.audit.models import AuditEntry
from yiban_core.credits.models import PointEntry
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.privacy.consent_services import allow_location


def start(klass, **options) -> Checkin:
    options.setdefault("title", "第 3 周 周一 1-2 节")
    return services.start_checkin(actor=actor_for(klass.teacher), group=klass.group, **options)


def nothing_recorded(checkin, user) -> bool:
    return (not Attendance.objects.filter(checkin=checkin, user=user).exists()
            and not PointEntry.objects.filter(user=user, rule="class_checkin").exists())


def test_a_student_checks_in_once_and_earns_points(klass):
    checkin = start(klass, grace_minutes=5)
    student = klass.students[0]
    record = services.check_in(actor=actor_for(student), checkin_id=checkin.pk)
    assert record.status == Attendance.Status.PRESENT
    assert PointEntry.objects.get(user=student, rule="class_checkin").amount == 2
    with pytest.raises(Conflict, match="已经签到过了"):
        services.check_in(actor=actor_for(student), checkin_id=checkin.pk)
    assert Attendance.objects.filter(checkin=checkin, user=student).count() == 1
    assert PointEntry.objects.filter(user=student, rule="class_checkin").count() == 1


def test_after_the_grace_time_a_check_in_is_late(klass):
    checkin = start(klass, grace_minutes=0)
    record = services.check_in(actor=actor_for(klass.students[0]), checkin_id=checkin.pk)
    assert record.status == Attendance.Status.LATE


def test_only_whoever_runs_the_class_starts_a_check_in(klass):
    student = klass.students[0]
    with pytest.raises(PermissionDenied):
        services.start_checkin(actor=actor_for(student), group=klass.group, title="代点名")
    outsider_teacher = make_teacher("other_teacher", school=klass.school)
    with pytest.raises(PermissionDenied):
        services.start_checkin(actor=actor_for(outsider_teacher), group=klass.group)
    # The class monitor, made an admin of the group, may.
    group_services.set_member_role(actor=actor_for(klass.teacher), group=klass.group,
                                   username=student.username, role="admin")
    assert services.start_checkin(actor=actor_for(student), group=klass.group).pk
    club = make_interest_group(klass.teacher, name="数学建模社")
    with pytest.raises(Invalid, match="班级群"):
        services.start_checkin(actor=actor_for(klass.teacher), group=club)
    assert Checkin.objects.count() == 1


@pytest.mark.parametrize(("options", "field"), [
    ({"duration_minutes": 0}, "durationMinutes"),
    ({"duration_minutes": 10_000}, "durationMinutes"),
    ({"duration_minutes": 10, "grace_minutes": 11}, "graceMinutes"),
    ({"latitude": 31.0, "longitude": 121.0}, "radiusM"),
    ({"latitude": 95, "longitude": 121.0, "radius_m": 50}, "latitude"),
    ({"latitude": float("nan"), "longitude": 121.0, "radius_m": 50}, "latitude"),
    ({"latitude": 31.0, "longitude": 121.0, "radius_m": 5}, "radiusM"),
    ({"title": "x" * 61}, "title"),
    ({"title": "a\x00b"}, "title"),
])
def test_a_bad_check_in_is_refused_on_its_field(klass, options, field):
    with pytest.raises(Invalid) as refused:
        start(klass, **options)
    assert refused.value.field == field
    assert not Checkin.objects.exists()


def test_outside_the_window_nothing_is_recorded(klass):
    later = start(klass, opens_at=timezone.now() + dt.timedelta(hours=1))
    student = klass.students[0]
    with pytest.raises(Invalid, match="还没开始"):
        services.check_in(actor=actor_for(student), checkin_id=later.pk)
    now = start(klass)
    services.close_checkin(actor=actor_for(klass.teacher), checkin_id=now.pk)
    with pytest.raises(Invalid, match="已经结束"):
        services.check_in(actor=actor_for(student), checkin_id=now.pk)
    assert nothing_recorded(later, student)
    assert Attendance.objects.get(checkin=now, user=student).status == "absent"


def test_not_a_member_or_not_a_student_cannot_check_in(klass):
    checkin = start(klass)
    stranger = make_user("passer_by", school=klass.school)
    with pytest.raises(PermissionDenied, match="本班成员"):
        services.check_in(actor=actor_for(stranger), checkin_id=checkin.pk)
    with pytest.raises(PermissionDenied, match="只有学生签到"):
        services.check_in(actor=actor_for(klass.teacher), checkin_id=checkin.pk)
    with pytest.raises(NotFound):
        services.check_in(actor=actor_for(stranger), checkin_id="99999999999999999999999")
    assert not Attendance.objects.exists()


def test_the_rotating_code_accepts_the_current_and_previous_step_only(klass):
    checkin = start(klass, rotating_code=True)
    secret = checkin.code_secret
    student, other, third = klass.students
    step = codes.step_of()
    photo = codes.code_for(secret, step - 3)  # 30 s old: a photo sent to a friend
    if photo in {codes.code_for(secret, step), codes.code_for(secret, step - 1)}:
        photo = "000000" if photo != "000000" else "111111"  # a collision: 1 in 500,000
    for code, message in [("", "请输入"), (photo, "已过期"), ("abc", "已过期"),
                          ("１２３４５６", "已过期"), ("签到码签到码", "已过期"),
                          ("1234567", "已过期")]:
        with pytest.raises(Invalid, match=message) as refused:
            services.check_in(actor=actor_for(student), checkin_id=checkin.pk, code=code)
        assert refused.value.field == "code"
    assert nothing_recorded(checkin, student)
    code, seconds_left = selectors.screen_code(actor=actor_for(klass.teacher), checkin=checkin)
    assert 0 < seconds_left <= codes.STEP_S
    services.check_in(actor=actor_for(student), checkin_id=checkin.pk, code=code)
    previous = codes.code_for(secret, codes.step_of() - 1)
    services.check_in(actor=actor_for(other), checkin_id=checkin.pk, code=previous)
    assert Attendance.objects.filter(checkin=checkin).count() == 2
    with pytest.raises(PermissionDenied):  # the screen is the teacher's
        selectors.screen_code(actor=actor_for(third), checkin=checkin)


def test_codes_are_hmac_of_the_step():
    secret = codes.new_secret()
    assert codes.code_for(secret, 7) == codes.code_for(secret, 7)
    assert len({codes.code_for(secret, s) for s in range(50)}) > 40
    assert codes.accepts(secret, codes.code_for(secret, 100), at=100 * 10 + 3)
    assert codes.accepts(secret, codes.code_for(secret, 99), at=100 * 10 + 3)
    assert not codes.accepts(secret, codes.code_for(secret, 98), at=100 * 10 + 3)
    assert not codes.accepts(codes.new_secret(), codes.code_for(secret, 100), at=1003)


def test_the_place_is_checked_with_the_accuracy_recorded(klass):
    checkin = start(klass, latitude=ROOM[0], longitude=ROOM[1], radius_m=50)
    student, other, third = klass.students
    for person in klass.students:  # on the check-in page, before the first place check-in
        allow_location(actor=actor_for(person))
    cases = [
        ({}, "需要定位"),
        ({"latitude": FAR[0], "longitude": FAR[1], "accuracy": 15}, "不在签到范围内"),
        ({"latitude": ROOM[0], "longitude": ROOM[1], "accuracy": 3000}, "不够精确"),
        ({"latitude": "north", "longitude": ROOM[1], "accuracy": 10}, "不是数字"),
        ({"latitude": ROOM[0], "longitude": 500, "accuracy": 10}, "之间"),
    ]
    for position, message in cases:
        with pytest.raises(Invalid, match=message):
            services.check_in(actor=actor_for(student), checkin_id=checkin.pk, **position)
    assert nothing_recorded(checkin, student)
    # 70 m off with a 30 m fix: the circles touch, the benefit of the doubt is given.
    near = (ROOM[0] + 70 / 111_195, ROOM[1])
    record = services.check_in(actor=actor_for(student), checkin_id=checkin.pk,
                               latitude=near[0], longitude=near[1], accuracy=30)
    assert record.accuracy_m == 30 and 69 < record.distance_m < 71
    # 70 m off with a 10 m fix is outside.
    with pytest.raises(Invalid, match="距签到地点约 70 米"):
        services.check_in(actor=actor_for(other), checkin_id=checkin.pk,
                          latitude=near[0], longitude=near[1], accuracy=10)
    # A vague fix cannot stretch the circle beyond twice its radius.
    far_enough = (ROOM[0] + 120 / 111_195, ROOM[1])
    with pytest.raises(Invalid, match="不在签到范围内"):
        services.check_in(actor=actor_for(third), checkin_id=checkin.pk,
                          latitude=far_enough[0], longitude=far_enough[1], accuracy=400)


def test_distance_is_great_circle():
    assert geo.distance_m(*ROOM, *ROOM) == 0
    assert 295 < geo.distance_m(*ROOM, *FAR) < 305
    assert geo.within(95, 50, 45) and not geo.within(101, 50, 400)


def test_one_device_per_person_refuses_a_second_account_on_the_device(klass):
    checkin = start(klass, one_device=True)
    student, friend, _third = klass.students
    device = "d" * 32
    with pytest.raises(Invalid, match="一人一机"):
        services.check_in(actor=actor_for(student), checkin_id=checkin.pk, device_token="")
    services.check_in(actor=actor_for(student), checkin_id=checkin.pk, device_token=device)
    with pytest.raises(Conflict, match="这台设备已经为其他同学签过到了"):
        services.check_in(actor=actor_for(friend), checkin_id=checkin.pk, device_token=device)
    assert nothing_recorded(checkin, friend)
    services.check_in(actor=actor_for(friend), checkin_id=checkin.pk, device_token="e" * 32)
    # The token itself is never stored.
    assert not Attendance.objects.filter(device_hash=device).exists()


def test_closing_marks_the_absent_and_the_teacher_corrects_by_hand_audited(klass):
    checkin = start(klass, grace_minutes=5)
    present, excused, absent = klass.students
    services.check_in(actor=actor_for(present), checkin_id=checkin.pk)
    services.close_checkin(actor=actor_for(klass.teacher), checkin_id=checkin.pk)
    with pytest.raises(Conflict):
        services.close_checkin(actor=actor_for(klass.teacher), checkin_id=checkin.pk)
    checkin.refresh_from_db()
    assert selectors.summary(checkin) == {"present": 1, "late": 0, "absent": 2, "excused": 0,
                                          "waiting": 0, "expected": 3}
    with pytest.raises(PermissionDenied):
        services.mark_attendance(actor=actor_for(present), checkin_id=checkin.pk,
                                 username=excused.username, status="excused")
    with pytest.raises(Invalid):
        services.mark_attendance(actor=actor_for(klass.teacher), checkin_id=checkin.pk,
                                 username=excused.username, status="on_holiday")
    for nobody in (klass.teacher.username, "li\x00ming", "不存在的人"):
        with pytest.raises(NotFound):
            services.mark_attendance(actor=actor_for(klass.teacher), checkin_id=checkin.pk,
                                     username=nobody, status="present")
    services.mark_attendance(actor=actor_for(klass.teacher), checkin_id=checkin.pk,
                             username=excused.username, status="excused", note="病假条已交")
    record = Attendance.objects.get(checkin=checkin, user=excused)
    assert (record.status, record.marked_by, record.note) == ("excused", klass.teacher,
                                                              "病假条已交")
    entry = AuditEntry.objects.get(action="checkin.attendance_marked")
    assert entry.actor == klass.teacher and entry.school_id == klass.school.pk
    assert entry.detail["from"] == "absent" and entry.detail["to"] == "excused"
    # A mark by hand earns no points.
    assert not PointEntry.objects.filter(user=excused).exists()
    assert Attendance.objects.get(checkin=checkin, user=absent).status == "absent"


def test_a_check_in_whose_time_is_up_is_closed_when_read(klass):
    checkin = start(klass)
    past = timezone.now() - dt.timedelta(hours=2)
    Checkin.objects.filter(pk=checkin.pk).update(opens_at=past, late_after=past,
                                                 closes_at=past + dt.timedelta(minutes=10))
    read = selectors.get_checkin(actor=actor_for(klass.students[0]), pk=checkin.pk)
    assert read.closed_at is not None
    assert Attendance.objects.filter(checkin=checkin, status="absent").count() == 3


def test_the_periodic_sweep_closes_what_is_due(klass):
    from classroom import closing

    checkin = start(klass)
    assert closing.close_due() == 0
    past = timezone.now() - dt.timedelta(hours=2)
    Checkin.objects.filter(pk=checkin.pk).update(opens_at=past, late_after=past,
                                                 closes_at=past + dt.timedelta(minutes=10))
    assert closing.close_due() == 1
    assert closing.close_due() == 0


def test_members_see_their_own_record_and_runners_see_everyone(klass):
    checkin = start(klass, grace_minutes=5)
    student, other, _third = klass.students
    services.check_in(actor=actor_for(student), checkin_id=checkin.pk)
    mine = selectors.get_checkin(actor=actor_for(other), pk=checkin.pk)
    with pytest.raises(PermissionDenied):
        selectors.roll_call(actor=actor_for(other), checkin=mine)
    rows = selectors.roll_call(actor=actor_for(klass.teacher),
                               checkin=selectors.get_checkin(actor=actor_for(klass.teacher),
                                                             pk=checkin.pk))
    assert [(r.user.username, r.status) for r in rows] == [
        ("li_ming", "present"), ("zhang_wei", None), ("chen_jing", None)]
    with pytest.raises(NotFound):
        selectors.get_checkin(actor=actor_for(make_user("nosy")), pk=checkin.pk)

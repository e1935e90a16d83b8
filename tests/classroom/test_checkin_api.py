"""Check-in over GraphQL and webhooks: a student's app checks in, a teacher's app starts and
closes; a school's student-affairs app reads the attendance of its own school's class
groups only, and hears `checkin.closed` with the summary."""

from __future__ import annotations

import json

import pytest

from classroom import codes, services
from classroom.models import Attendance, Checkin
from openapi_plugins.webhooks import services as webhook_services
from tests.factories import actor_for, make_class_group, make_school, make_teacher, make_user
from tests.openapi.helpers import graphql, make_school_app, make_user_app, mint_token
from tests.openapi.test_webhooks import Receiver
from yiban_core.errors import Invalid
from yiban_core.graphql.relay import global_id
from yiban_core.privacy.consent_services import allow_location

CLASSROOM = ("classroom:read", "classroom:write")

CHECKINS = """query($groupId: ID!) { groupCheckins(groupId: $groupId) { edges { node {
  id title state requiresCode summary { expected present late absent excused waiting }
  myRecord { status } attendance { user { username } status } viewerCanManage } } } }"""
START = """mutation($input: StartCheckinInput!) { startCheckin(input: $input) {
  checkin { id state requiresCode place { radiusM } } errors { code field message } } }"""
CHECK_IN = """mutation($input: CheckInInput!) { checkIn(input: $input) {
  record { status } errors { code field message } } }"""
CLOSE = """mutation($input: CloseCheckinInput!) { closeCheckin(input: $input) {
  checkin { state summary { absent present } } errors { code message } } }"""


def user_token(user, scopes=CLASSROOM):
    app, _secret = make_user_app(scopes=scopes)
    return mint_token(app, user=user, scopes=list(scopes))


def test_a_teacher_app_starts_and_a_student_app_checks_in(client, klass):
    teacher = user_token(klass.teacher)
    body = graphql(client, START, teacher, input={
        "groupId": global_id("Group", klass.group.pk), "title": "概率论 第2周",
        "rotatingCode": True, "latitude": 31.0268, "longitude": 121.4337, "radiusM": 100,
        "graceMinutes": 5}).json()
    assert body["data"]["startCheckin"]["errors"] == []
    started = body["data"]["startCheckin"]["checkin"]
    assert started["state"] == "OPEN" and started["requiresCode"]
    assert started["place"] == {"radiusM": 100}
    checkin = Checkin.objects.get()

    allow_location(actor=actor_for(klass.students[0]))  # on the check-in page
    student = user_token(klass.students[0])
    stale = codes.code_for(checkin.code_secret, codes.step_of() - 5)
    refused = graphql(client, CHECK_IN, student, input={
        "checkinId": started["id"], "code": stale, "latitude": 31.0268, "longitude": 121.4337,
        "accuracy": 10}).json()["data"]["checkIn"]
    assert refused["record"] is None
    assert refused["errors"][0]["code"] == "INVALID" and refused["errors"][0]["field"] == "code"
    assert not Attendance.objects.exists()
    code, _left = codes.current(checkin.code_secret)
    done = graphql(client, CHECK_IN, student, input={
        "checkinId": started["id"], "code": code, "latitude": 31.0269, "longitude": 121.4337,
        "accuracy": 10}).json()["data"]["checkIn"]
    assert done == {"record": {"status": "PRESENT"}, "errors": []}

    mine = graphql(client, CHECKINS, student, groupId=global_id("Group", klass.group.pk)).json()
    node = mine["data"]["groupCheckins"]["edges"][0]["node"]
    assert node["myRecord"] == {"status": "PRESENT"}
    assert node["attendance"] is None and node["viewerCanManage"] is False
    assert node["summary"]["present"] == 1 and node["summary"]["waiting"] == 2

    closed = graphql(client, CLOSE, teacher, input={"checkinId": started["id"]}).json()
    assert closed["data"]["closeCheckin"]["checkin"] == {
        "state": "CLOSED", "summary": {"absent": 2, "present": 1}}
    theirs = graphql(client, CHECKINS, teacher,
                     groupId=global_id("Group", klass.group.pk)).json()
    rows = theirs["data"]["groupCheckins"]["edges"][0]["node"]["attendance"]
    assert {r["user"]["username"]: r["status"] for r in rows} == {
        "li_ming": "PRESENT", "zhang_wei": "ABSENT", "chen_jing": "ABSENT"}


def test_a_student_app_cannot_start_one_and_bad_input_is_a_typed_error(client, klass):
    student = user_token(klass.students[0])
    body = graphql(client, START, student,
                   input={"groupId": global_id("Group", klass.group.pk)}).json()
    assert body["data"]["startCheckin"]["errors"][0]["code"] == "PERMISSION_DENIED"
    for bad in ["not-an-id", global_id("Post", 1), global_id("Group", 10**40)]:
        body = graphql(client, START, user_token(klass.teacher), input={"groupId": bad}).json()
        assert body["data"]["startCheckin"]["errors"], body
    body = graphql(client, CHECK_IN, student, input={"checkinId": "garbage"}).json()
    assert body["data"]["checkIn"]["errors"][0]["code"] == "INVALID"
    assert not Checkin.objects.exists()


def test_a_school_app_reads_its_own_schools_class_attendance_only(client, klass):
    checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                     grace_minutes=5)
    services.check_in(actor=actor_for(klass.students[1]), checkin_id=checkin.pk)
    ours, _secret = make_school_app(klass.school, scopes=("classroom:read",), name="学工系统")
    token = mint_token(ours, scopes=["classroom:read"])
    body = graphql(client, CHECKINS, token, groupId=global_id("Group", klass.group.pk)).json()
    node = body["data"]["groupCheckins"]["edges"][0]["node"]
    assert {r["user"]["username"]: r["status"] for r in node["attendance"]} == {
        "li_ming": None, "zhang_wei": "PRESENT", "chen_jing": None}
    assert node["myRecord"] is None and node["viewerCanManage"] is False

    elsewhere = make_school("复旦大学")
    theirs, _secret = make_school_app(elsewhere, scopes=("classroom:read",), name="学工系统")
    other_token = mint_token(theirs, scopes=["classroom:read"])
    body = graphql(client, CHECKINS, other_token,
                   groupId=global_id("Group", klass.group.pk)).json()
    assert body["data"]["groupCheckins"] is None
    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    # Their own school's class: theirs to read; a school app never checks anyone in.
    their_class = make_class_group(make_teacher(school=elsewhere), name="数学分析",
                                   school=elsewhere)
    body = graphql(client, CHECKINS, other_token,
                   groupId=global_id("Group", their_class.pk)).json()
    assert body["data"]["groupCheckins"]["edges"] == []
    with pytest.raises(Invalid, match="classroom:write"):
        make_school_app(klass.school, scopes=CLASSROOM, name="代签")


@pytest.fixture
def receivers():
    made = []

    def make() -> Receiver:
        made.append(Receiver())
        return made[-1]

    yield make
    for server in made:
        server.stop()


@pytest.mark.django_db(transaction=True)
def test_checkin_closed_reaches_the_schools_apps_with_the_summary(receivers, run_worker):
    school = make_school("武汉大学")
    teacher = make_teacher("tang_laoshi", school=school)
    group = make_class_group(teacher, name="有机化学（化学2301班）", school=school)
    from tests.factories import verify
    from yiban_core.groups import services as group_services

    students = []
    for name in ("xu_yang", "ma_li"):
        student = verify(make_user(name, school=school), f"2023{len(students) + 1:04d}")
        group_services.join_by_code(actor=actor_for(student), code=group.join_code)
        students.append(student)
    ours, elsewhere = receivers(), receivers()
    for target, receiver in ((school, ours), (make_school(), elsewhere)):
        app, _secret = make_school_app(target, scopes=("classroom:read",), name="学工系统")
        _sub, secret = webhook_services.subscribe(actor=actor_for(app.application.user),
                                                  app=app, url=receiver.url,
                                                  events=["checkin.closed"])
        receiver.secret = secret

    checkin = services.start_checkin(actor=actor_for(teacher), group=group, title="实验课",
                                     grace_minutes=5)
    services.check_in(actor=actor_for(students[0]), checkin_id=checkin.pk)
    services.close_checkin(actor=actor_for(teacher), checkin_id=checkin.pk)
    run_worker()

    assert all(request["valid"] for request in ours.requests)
    [body] = [json.loads(request["body"]) for request in ours.requests]
    assert body["event"] == "checkin.closed"
    data = body["data"]
    assert data["checkin"]["id"] == global_id("Checkin", checkin.pk)
    assert data["checkin"]["group"]["id"] == global_id("Group", group.pk)
    assert data["summary"] == {"expected": 2, "present": 1, "late": 0, "absent": 1,
                               "excused": 0}
    assert {(a["user"]["username"], a["status"]) for a in data["attendance"]} == {
        ("xu_yang", "present"), ("ma_li", "absent")}
    assert "memberNumber" not in data["attendance"][0]["user"]  # no profile:verified
    assert elsewhere.requests == []


def test_the_number_of_queries_does_not_grow_with_the_page(client, klass):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    teacher = user_token(klass.teacher)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            body = graphql(client, CHECKINS, teacher,
                           groupId=global_id("Group", klass.group.pk)).json()
        assert "errors" not in body, body
        return len(captured)

    def another(n):
        checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                         title=f"第 {n} 节", grace_minutes=5)
        services.check_in(actor=actor_for(klass.students[n % 3]), checkin_id=checkin.pk)

    another(1)
    one = queries()
    for n in range(2, 7):
        another(n)
    assert queries() == one

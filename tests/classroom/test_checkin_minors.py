"""Minors mode: a place check-in keeps only its result for a minor, never where they were
(classroom.rules.kept_reading), on every door: the record, GraphQL, the page, the CSV."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from classroom import services
from classroom.models import Attendance
from tests.classroom.conftest import ROOM
from tests.factories import actor_for
from tests.privacy.minors import mark_minor
from yiban_core.privacy.consent_services import allow_location

pytestmark = pytest.mark.django_db

# 37 m north of the room: inside a 50 m circle.
NEAR = (ROOM[0] + 37 / 111_195, ROOM[1] + 0.0000123)

ATTENDANCE = """query($groupId: ID!) { groupCheckins(groupId: $groupId) { edges { node {
  attendance { user { username } status distanceM accuracyM } } } } }"""


def _check_in(klass, student):
    checkin = services.start_checkin(actor=actor_for(klass.teacher), group=klass.group,
                                     title="第 5 周 周三 3-4 节", latitude=ROOM[0],
                                     longitude=ROOM[1], radius_m=50, grace_minutes=5)
    allow_location(actor=actor_for(student))  # her consent to the place proof (PIPL Art. 29)
    record = services.check_in(actor=actor_for(student), checkin_id=checkin.pk,
                               latitude=NEAR[0], longitude=NEAR[1], accuracy=12.4)
    return checkin, record


def test_a_minors_check_in_keeps_the_result_not_the_place(klass):
    minor = mark_minor(klass.students[0])
    _checkin, record = _check_in(klass, minor)
    stored = Attendance.objects.get(pk=record.pk)
    assert stored.status == Attendance.Status.PRESENT
    assert stored.latitude is None and stored.longitude is None
    assert stored.distance_m == 50  # "within 50 m", not 37.x
    assert stored.accuracy_m == 12


def test_an_adults_check_in_keeps_the_position_for_the_teacher(klass):
    _checkin, record = _check_in(klass, klass.students[1])
    stored = Attendance.objects.get(pk=record.pk)
    assert stored.latitude == pytest.approx(NEAR[0]) and 36 < stored.distance_m < 38


def test_the_teachers_page_graphql_and_csv_show_no_more_than_the_band(klass, client):
    import csv
    import io

    from yiban_core.graphql.relay import global_id

    minor = mark_minor(klass.students[0])
    checkin, _record = _check_in(klass, minor)
    client.force_login(klass.teacher)
    answer = client.post("/graphql", json.dumps({
        "query": ATTENDANCE, "variables": {"groupId": global_id("Group", klass.group.pk)}}),
        content_type="application/json").json()
    rows = {r["user"]["username"]: r
            for r in answer["data"]["groupCheckins"]["edges"][0]["node"]["attendance"]}
    assert rows[minor.username]["distanceM"] == 50
    page = client.get(reverse("checkin_detail", args=[checkin.pk])).content.decode()
    assert "50 m（±12）" in page
    exported = client.get(reverse("checkin_csv", args=[checkin.pk])).content.decode("utf-8-sig")
    row = next(r for r in csv.reader(io.StringIO(exported)) if minor.username in r)
    assert "50.0" in row and not any(cell.startswith(("31.02", "121.43")) for cell in row)
    for shown in (json.dumps(answer), page, exported):
        assert f"{NEAR[0]:.5f}" not in shown and f"{NEAR[1]:.5f}" not in shown

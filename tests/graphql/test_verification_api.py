"""Verification requests through GraphQL: the student asks and reads their request, the
school's administrator reads the queue and decides; another school's administrator gets
nothing."""

from __future__ import annotations

import pytest

from tests.factories import make_school, make_user, verify
from tests.graphql.conftest import error_codes, gid

pytestmark = pytest.mark.django_db

ASK = """mutation($input: RequestVerificationInput!) { requestVerification(input: $input) {
  verificationRequest { id status memberNumber school { name } } errors { code field } } }"""
MINE = "{ myVerificationRequest { status reason memberNumber } }"
QUEUE = """query($school: ID!) { verificationRequests(schoolId: $school, first: 10) {
  edges { node { id memberNumber note hasPhoto user { username } } } } }"""
DECIDE = """mutation($input: DecideVerificationRequestInput!) {
  decideVerificationRequest(input: $input) {
    verificationRequest { status reason } errors { code field message } } }"""


@pytest.fixture
def world():
    school = make_school("南京大学")
    admin = make_user("nju_admin", school=school)
    school.administrators.add(admin)
    other = make_school("东南大学")
    other_admin = make_user("seu_admin", school=other)
    other.administrators.add(other_admin)
    student = make_user("sun_li", school=school)
    return {"school": school, "admin": admin, "other_admin": other_admin, "student": student}


def test_a_student_asks_and_the_school_decides(gql, world):
    gql.as_user(world["student"])
    assert gql.data(MINE)["myVerificationRequest"] is None
    asked = gql.mutate("requestVerification", ASK, input={
        "schoolId": gid(world["school"]), "memberNumber": "MG2023001", "note": "软件学院"})
    assert asked["errors"] == []
    assert asked["verificationRequest"]["status"] == "PENDING"
    again = gql.mutate("requestVerification", ASK, input={
        "schoolId": gid(world["school"]), "memberNumber": "MG2023002"})
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]
    request_id = asked["verificationRequest"]["id"]

    gql.as_user(world["other_admin"])
    body = gql(QUEUE, school=gid(world["school"]))
    assert error_codes(body)[0][0] == "PERMISSION_DENIED"
    refused = gql.mutate("decideVerificationRequest", DECIDE,
                         input={"requestId": request_id, "approve": True})
    assert [e["code"] for e in refused["errors"]] == ["NOT_FOUND"]

    gql.as_user(world["admin"])
    queue = gql.data(QUEUE, school=gid(world["school"]))["verificationRequests"]["edges"]
    assert [(e["node"]["memberNumber"], e["node"]["note"], e["node"]["user"]["username"])
            for e in queue] == [("MG2023001", "软件学院", "sun_li")]
    no_reason = gql.mutate("decideVerificationRequest", DECIDE,
                           input={"requestId": request_id, "approve": False})
    assert [(e["code"], e["field"]) for e in no_reason["errors"]] == [("INVALID", "reason")]
    rejected = gql.mutate("decideVerificationRequest", DECIDE, input={
        "requestId": request_id, "approve": False, "reason": "请附学生证照片"})
    assert rejected["verificationRequest"] == {"status": "REJECTED", "reason": "请附学生证照片"}

    gql.as_user(world["student"])
    assert gql.data(MINE)["myVerificationRequest"]["reason"] == "请附学生证照片"


def test_approval_refuses_a_number_held_by_another_verified_account(gql, world):
    verify(make_user(school=world["school"]), "MG2023001")
    gql.as_user(world["student"])
    request_id = gql.mutate("requestVerification", ASK, input={
        "schoolId": gid(world["school"]), "memberNumber": "MG2023001"})["verificationRequest"]["id"]
    gql.as_user(world["admin"])
    approved = gql.mutate("decideVerificationRequest", DECIDE,
                          input={"requestId": request_id, "approve": True})
    assert [e["code"] for e in approved["errors"]] == ["CONFLICT"]
    world["student"].refresh_from_db()
    assert not world["student"].is_verified

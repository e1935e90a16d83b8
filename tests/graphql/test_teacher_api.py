"""A teacher's tools through /graphql: deciding join requests in bulk, and publishing an
announcement in one step."""

import pytest

from tests.factories import actor_for, make_class_group, make_school, make_teacher, make_user
from tests.graphql.conftest import gid
from yiban_core.groups import services
from yiban_core.groups.models import JoinRequest, Membership

pytestmark = pytest.mark.django_db

DECIDE = """mutation($input: DecideJoinRequestsInput!) {
  decideJoinRequests(input: $input) {
    joinRequests { id status user { username } }
    group { memberCount }
    errors { field code message }
  }
}"""
PUBLISH = """mutation($text: String!, $groupId: ID, $announce: Boolean) {
  publishPost(input: {text: $text, groupId: $groupId, announce: $announce}) {
    post { id isAnnouncement }
    errors { field code }
  }
}"""
ANNOUNCEMENTS = "query($id: ID!) { groupAnnouncements(groupId: $id) { text } }"


@pytest.fixture
def course():
    school = make_school()
    teacher = make_teacher("wang_laoshi", school=school)
    group = make_class_group(teacher, name="大学英语（三）")
    services.update_group(actor=actor_for(teacher), group=group, join_policy="approval")
    requests = [services.request_to_join(actor=actor_for(make_user(f"student{k}", school=school)),
                                         group=group) for k in range(3)]
    return teacher, group, requests


def test_a_teacher_approves_requests_in_one_mutation(gql, course):
    teacher, group, requests = course
    payload = gql.as_user(teacher).mutate("decideJoinRequests", DECIDE, input={
        "groupId": gid(group), "requestIds": [gid(r) for r in requests[:2]], "approve": True})
    assert payload["errors"] == []
    assert payload["group"]["memberCount"] == 3
    assert {r["status"] for r in payload["joinRequests"]} == {"APPROVED"}
    assert JoinRequest.objects.get(pk=requests[2].pk).status == "pending"


def test_a_decided_request_in_the_list_changes_nothing(gql, course):
    teacher, group, requests = course
    services.decide_request(actor=actor_for(teacher), request_id=requests[0].pk, approve=False)
    payload = gql.as_user(teacher).mutate("decideJoinRequests", DECIDE, input={
        "groupId": gid(group), "requestIds": [gid(r) for r in requests], "approve": True})
    assert [e["code"] for e in payload["errors"]] == ["CONFLICT"]
    assert payload["joinRequests"] is None
    assert Membership.objects.filter(group=group).count() == 1


def test_a_member_cannot_decide_in_bulk(gql, course):
    _teacher, group, requests = course
    payload = gql.as_user(requests[0].user).mutate("decideJoinRequests", DECIDE, input={
        "groupId": gid(group), "requestIds": [gid(requests[1])], "approve": True})
    assert [e["code"] for e in payload["errors"]] == ["PERMISSION_DENIED"]


def test_publish_post_with_announce_pins_it_for_the_members(gql, course):
    teacher, group, requests = course
    services.decide_requests(actor=actor_for(teacher), group=group,
                             request_ids=[r.pk for r in requests], approve=True)
    payload = gql.as_user(teacher).mutate("publishPost", PUBLISH, text="下周一期中考试",
                                          groupId=gid(group), announce=True)
    assert payload["errors"] == [] and payload["post"]["isAnnouncement"] is True
    member = gql.as_user(requests[0].user)
    assert member.data(ANNOUNCEMENTS, id=gid(group))["groupAnnouncements"] == [
        {"text": "下周一期中考试"}]
    refused = member.mutate("publishPost", PUBLISH, text="我也发公告", groupId=gid(group),
                            announce=True)
    assert [e["code"] for e in refused["errors"]] == ["PERMISSION_DENIED"]
    no_group = gql.as_user(teacher).mutate("publishPost", PUBLISH, text="公告", announce=True)
    assert [(e["field"], e["code"]) for e in no_group["errors"]] == [("announce", "INVALID")]

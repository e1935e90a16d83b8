"""Groups and memberships through /graphql: what members, managers and outsiders notice."""

import pytest

from tests.factories import actor_for, make_class_group, make_interest_group, make_user
from tests.graphql.conftest import error_codes, gid
from yiban_core.graphql.relay import global_id
from yiban_core.groups import services
from yiban_core.groups.models import Ban, Group, Invitation, JoinRequest, Membership

ERRORS = "errors { field code message }"
GROUP = """
query($id: ID!) {
  group(id: $id) {
    name memberCount joinCode viewerRole viewerHasPendingRequest
    members { edges { node { id role user { username } } } }
  }
}"""


def mutation(name: str, input_type: str, selection: str) -> str:
    return f"""mutation($input: {input_type}!) {{
      {name}(input: $input) {{ {selection} {ERRORS} }} }}"""


CREATE = mutation("createGroup", "CreateGroupInput",
                  "group { id name kind isPrivate joinPolicy joinCode viewerRole memberCount }")
UPDATE = mutation("updateGroup", "UpdateGroupInput",
                  "group { name description memberCap joinPolicy }")
JOIN = mutation("joinGroup", "JoinGroupInput", "membership { role } group { memberCount }")
JOIN_BY_CODE = mutation("joinByCode", "JoinByCodeInput",
                        "membership { role user { username } } group { name memberCount }")
REQUEST = mutation("requestToJoin", "RequestToJoinInput", "joinRequest { id status message }")
APPROVE = mutation("approveJoinRequest", "ApproveJoinRequestInput",
                   "joinRequest { status } group { memberCount }")
REJECT = mutation("rejectJoinRequest", "RejectJoinRequestInput", "joinRequest { status }")
CANCEL = mutation("cancelJoinRequest", "CancelJoinRequestInput", "cancelledRequestId")
INVITE = mutation("invite", "InviteInput", "invitation { id status }")
ANSWER = mutation("answerInvitation", "AnswerInvitationInput",
                  "invitation { status } group { memberCount viewerRole }")
LEAVE = mutation("leaveGroup", "LeaveGroupInput", "group { memberCount viewerRole }")
REMOVE = mutation("removeMember", "RemoveMemberInput", "group { memberCount }")
BAN = mutation("banMember", "BanMemberInput", "group { memberCount } ban { reason }")
UNBAN = mutation("unbanMember", "UnbanMemberInput", "group { id }")
SET_ROLE = mutation("setMemberRole", "SetMemberRoleInput", "membership { role }")
TRANSFER = mutation("transferOwnership", "TransferOwnershipInput",
                    "group { owner { username } viewerRole }")
REGENERATE = mutation("regenerateJoinCode", "RegenerateJoinCodeInput", "group { joinCode }")
DELETE = mutation("deleteGroup", "DeleteGroupInput", "deletedGroupId")


def errors_of(payload: dict) -> list[tuple[str | None, str]]:
    return [(e["field"], e["code"]) for e in payload["errors"]]


def add_member(group: Group, user) -> None:
    Membership.objects.create(group=group, user=user)
    Group.objects.filter(pk=group.pk).update(member_count=group.member_count + 1)
    group.refresh_from_db()


@pytest.fixture
def class_group(teacher):
    return make_class_group(teacher)


@pytest.fixture
def private_group(student):
    group = make_interest_group(student, name="考研交流群", is_private=True,
                                join_policy=Group.JoinPolicy.APPROVAL)
    return group


# --- create and update ---------------------------------------------------------------


def test_teacher_creates_a_class_group_and_sees_its_join_code(gql, teacher):
    payload = gql.as_user(teacher).mutate("createGroup", CREATE, input={
        "name": "软件工程2024级2班", "kind": "CLASS"})
    group = payload["group"]
    assert payload["errors"] == []
    assert group["kind"] == "CLASS" and group["isPrivate"] is True
    assert group["joinPolicy"] == "CODE" and group["viewerRole"] == "OWNER"
    assert group["memberCount"] == 1 and len(group["joinCode"]) == 8
    assert Group.objects.get(name="软件工程2024级2班").join_code == group["joinCode"]


def test_a_student_cannot_create_a_class_group(gql, student):
    payload = gql.as_user(student).mutate("createGroup", CREATE, input={
        "name": "假班级", "kind": "CLASS"})
    assert payload["group"] is None and errors_of(payload) == [(None, "PERMISSION_DENIED")]
    assert not Group.objects.exists()


def test_create_group_with_a_policy_the_kind_does_not_allow_is_invalid(gql, student):
    payload = gql.as_user(student).mutate("createGroup", CREATE, input={
        "name": "摄影社", "kind": "INTEREST", "joinPolicy": "CODE"})
    assert errors_of(payload) == [("joinPolicy", "INVALID")]
    assert not Group.objects.exists()


def test_a_wrongly_typed_enum_is_refused_before_anything_runs(gql, student):
    response = gql.as_user(student).raw(CREATE, input={"name": "摄影社", "kind": "PARTY"})
    assert response.status_code == 400
    assert "PARTY" in response.json()["errors"][0]["message"]
    assert not Group.objects.exists()


def test_manager_updates_a_group(gql, student, private_group):
    payload = gql.as_user(student).mutate("updateGroup", UPDATE, input={
        "groupId": gid(private_group), "description": "一起备考", "memberCap": 50})
    assert payload == {"group": {"name": "考研交流群", "description": "一起备考",
                                 "memberCap": 50, "joinPolicy": "APPROVAL"}, "errors": []}
    uncapped = gql.mutate("updateGroup", UPDATE, input={
        "groupId": gid(private_group), "memberCap": None})
    assert uncapped["group"]["memberCap"] is None


def test_a_plain_member_cannot_edit_the_group(gql, student, outsider, private_group):
    add_member(private_group, outsider)
    payload = gql.as_user(outsider).mutate("updateGroup", UPDATE, input={
        "groupId": gid(private_group), "name": "被改掉的群名", "memberCap": 5})
    assert payload["group"] is None and errors_of(payload) == [(None, "PERMISSION_DENIED")]
    private_group.refresh_from_db()
    assert private_group.name == "考研交流群" and private_group.member_cap is None


@pytest.mark.parametrize("bad_id", ["not-an-id", "", global_id("Group", 0),
                                    global_id("Group", "abc")])
def test_a_malformed_group_id_is_invalid(gql, student, bad_id):
    payload = gql.as_user(student).mutate("joinGroup", JOIN, input={"groupId": bad_id})
    assert errors_of(payload) == [("groupId", "INVALID")]


def test_an_id_of_another_type_is_invalid_and_a_missing_group_not_found(gql, student):
    wrong_type = gql.as_user(student).mutate("joinGroup", JOIN, input={"groupId": gid(student)})
    assert errors_of(wrong_type) == [("groupId", "INVALID")]
    missing = gql.mutate("joinGroup", JOIN, input={"groupId": global_id("Group", 9999)})
    assert errors_of(missing) == [("groupId", "NOT_FOUND")]


# --- joining --------------------------------------------------------------------------


def test_join_an_open_group(gql, student, outsider):
    group = make_interest_group(student, name="摄影社")
    payload = gql.as_user(outsider).mutate("joinGroup", JOIN, input={"groupId": gid(group)})
    assert payload == {"membership": {"role": "MEMBER"}, "group": {"memberCount": 2},
                       "errors": []}
    twice = gql.mutate("joinGroup", JOIN, input={"groupId": gid(group)})
    assert errors_of(twice) == [(None, "CONFLICT")]
    group.refresh_from_db()
    assert group.member_count == 2


def test_joining_an_approval_group_without_approval_is_refused(gql, outsider, private_group):
    payload = gql.as_user(outsider).mutate("joinGroup", JOIN,
                                           input={"groupId": gid(private_group)})
    assert payload["membership"] is None and errors_of(payload) == [(None, "PERMISSION_DENIED")]
    assert not Membership.objects.filter(group=private_group, user=outsider).exists()
    private_group.refresh_from_db()
    assert private_group.member_count == 1


def test_join_by_code_with_the_right_code(gql, class_group, student):
    spoken = " " + class_group.join_code.lower() + " "
    payload = gql.as_user(student).mutate("joinByCode", JOIN_BY_CODE, input={"code": spoken})
    assert payload == {"membership": {"role": "MEMBER", "user": {"username": "li_ming"}},
                       "group": {"name": "计算机科学与技术2023级1班", "memberCount": 2},
                       "errors": []}


def test_join_by_a_wrong_code_is_invalid_and_joins_nothing(gql, class_group, student):
    payload = gql.as_user(student).mutate("joinByCode", JOIN_BY_CODE, input={"code": "WRONG123"})
    assert payload["membership"] is None and errors_of(payload) == [("code", "INVALID")]
    assert not Membership.objects.filter(user=student).exists()
    class_group.refresh_from_db()
    assert class_group.member_count == 1


def test_join_code_is_shown_to_managers_only(gql, teacher, student, class_group):
    add_member(class_group, student)
    as_teacher = gql.as_user(teacher).data(GROUP, id=gid(class_group))["group"]
    assert as_teacher["joinCode"] == class_group.join_code
    as_student = gql.as_user(student).data(GROUP, id=gid(class_group))["group"]
    assert as_student["joinCode"] is None and as_student["viewerRole"] == "MEMBER"


# --- private groups -------------------------------------------------------------------


def test_a_non_member_never_sees_a_private_groups_members(gql, student, outsider,
                                                          private_group):
    body = gql.as_user(outsider)(GROUP, id=gid(private_group))
    group = body["data"]["group"]
    assert group["name"] == "考研交流群" and group["viewerRole"] is None
    assert group["members"] is None
    assert error_codes(body) == [("PERMISSION_DENIED", None)]
    assert "li_ming" not in str(body)

    anonymous = gql.as_user(None)(GROUP, id=gid(private_group))
    assert anonymous["data"]["group"]["members"] is None
    assert error_codes(anonymous) == [("UNAUTHENTICATED", None)]


def test_a_member_sees_a_private_groups_members(gql, student, outsider, private_group):
    add_member(private_group, outsider)
    members = gql.as_user(outsider).data(GROUP, id=gid(private_group))["group"]["members"]
    assert [(e["node"]["user"]["username"], e["node"]["role"]) for e in members["edges"]] == [
        ("li_ming", "OWNER"), ("zhang_wei", "MEMBER")]


def test_membership_nodes_of_a_private_group_are_null_for_outsiders(gql, student, outsider,
                                                                   private_group):
    owner_membership = Membership.objects.get(group=private_group, user=student)
    query = "query($id: ID!) { node(id: $id) { id ... on Membership { role } } }"
    assert gql.as_user(outsider).data(query, id=gid(owner_membership)) == {"node": None}
    assert gql.as_user(student).data(query, id=gid(owner_membership)) == {
        "node": {"id": gid(owner_membership), "role": "OWNER"}}


def test_node_resolves_each_type_and_garbage_is_invalid(gql, student, private_group):
    gql.as_user(student)
    query = "query($id: ID!) { node(id: $id) { __typename id } }"
    for obj, typename in [(private_group, "Group"), (student, "User"),
                          (student.school, "School")]:
        assert gql.data(query, id=gid(obj))["node"] == {"__typename": typename, "id": gid(obj)}
    assert gql.data(query, id=global_id("Group", 9999)) == {"node": None}
    body = gql(query, id="@@@")
    assert body["data"]["node"] is None and error_codes(body) == [("INVALID", "id")]
    body = gql(query, id=global_id("PageInfo", 1))
    assert body["data"]["node"] is None and error_codes(body) == [("INVALID", "id")]


# --- requests and invitations ---------------------------------------------------------


PENDING = """query($id: ID!) { group(id: $id) {
  pendingRequests { edges { node { id message user { username } } } } } }"""


def test_request_approve_flow(gql, student, outsider, private_group):
    payload = gql.as_user(outsider).mutate("requestToJoin", REQUEST, input={
        "groupId": gid(private_group), "message": "我也准备考研"})
    assert payload["joinRequest"]["status"] == "PENDING" and payload["errors"] == []
    request_id = payload["joinRequest"]["id"]
    mine = gql.data("query($id: ID!) { group(id: $id) { viewerHasPendingRequest } }",
                    id=gid(private_group))
    assert mine == {"group": {"viewerHasPendingRequest": True}}

    pending = gql.as_user(student).data(PENDING, id=gid(private_group))["group"]
    assert pending["pendingRequests"]["edges"] == [{"node": {
        "id": request_id, "message": "我也准备考研", "user": {"username": "zhang_wei"}}}]

    approved = gql.mutate("approveJoinRequest", APPROVE, input={"requestId": request_id})
    assert approved == {"joinRequest": {"status": "APPROVED"}, "group": {"memberCount": 2},
                        "errors": []}
    assert Membership.objects.filter(group=private_group, user=outsider).exists()


def test_pending_requests_are_for_managers_only(gql, student, outsider, private_group):
    request = services.request_to_join(actor=actor_for(outsider), group=private_group)
    body = gql.as_user(outsider)(PENDING, id=gid(private_group))
    assert body["data"]["group"]["pendingRequests"] is None
    assert error_codes(body) == [("PERMISSION_DENIED", None)]
    approve = gql.mutate("approveJoinRequest", APPROVE, input={"requestId": gid(request)})
    assert errors_of(approve) == [(None, "PERMISSION_DENIED")]
    request.refresh_from_db()
    assert request.status == JoinRequest.Status.PENDING


def test_reject_and_cancel(gql, student, outsider, private_group):
    request = services.request_to_join(actor=actor_for(outsider), group=private_group)
    rejected = gql.as_user(student).mutate("rejectJoinRequest", REJECT,
                                           input={"requestId": gid(request)})
    assert rejected == {"joinRequest": {"status": "REJECTED"}, "errors": []}
    assert not Membership.objects.filter(group=private_group, user=outsider).exists()

    again = services.request_to_join(actor=actor_for(outsider), group=private_group)
    by_someone_else = gql.mutate("cancelJoinRequest", CANCEL, input={"requestId": gid(again)})
    assert errors_of(by_someone_else) == [("requestId", "NOT_FOUND")]
    cancelled = gql.as_user(outsider).mutate("cancelJoinRequest", CANCEL,
                                             input={"requestId": gid(again)})
    assert cancelled == {"cancelledRequestId": gid(again), "errors": []}
    again.refresh_from_db()
    assert again.status == JoinRequest.Status.CANCELLED


def test_invite_and_accept(gql, student, outsider, private_group):
    invited = gql.as_user(student).mutate("invite", INVITE, input={
        "groupId": gid(private_group), "username": "zhang_wei"})
    assert invited["invitation"]["status"] == "PENDING" and invited["errors"] == []
    twice = gql.mutate("invite", INVITE, input={"groupId": gid(private_group),
                                                "username": "zhang_wei"})
    assert errors_of(twice) == [("username", "CONFLICT")]

    mine = gql.as_user(outsider).data("""query { myInvitations { edges { node {
        id inviter { username } group { name } } } } }""")["myInvitations"]["edges"]
    assert mine == [{"node": {"id": invited["invitation"]["id"],
                              "inviter": {"username": "li_ming"}, "group": {"name": "考研交流群"}}}]
    answered = gql.mutate("answerInvitation", ANSWER, input={
        "invitationId": invited["invitation"]["id"], "accept": True})
    assert answered == {"invitation": {"status": "ACCEPTED"},
                        "group": {"memberCount": 2, "viewerRole": "MEMBER"}, "errors": []}
    assert Invitation.objects.get().status == Invitation.Status.ACCEPTED


def test_a_member_cannot_invite(gql, student, outsider, private_group):
    add_member(private_group, outsider)
    make_user("friend")
    payload = gql.as_user(outsider).mutate("invite", INVITE, input={
        "groupId": gid(private_group), "username": "friend"})
    assert errors_of(payload) == [(None, "PERMISSION_DENIED")]
    assert not Invitation.objects.exists()


# --- leaving, removing, banning, roles -------------------------------------------------


def test_leave_and_owner_cannot_leave(gql, student, outsider, private_group):
    add_member(private_group, outsider)
    left = gql.as_user(outsider).mutate("leaveGroup", LEAVE,
                                        input={"groupId": gid(private_group)})
    assert left == {"group": {"memberCount": 1, "viewerRole": None}, "errors": []}
    owner = gql.as_user(student).mutate("leaveGroup", LEAVE,
                                        input={"groupId": gid(private_group)})
    assert errors_of(owner) == [(None, "INVALID")]
    assert Membership.objects.filter(group=private_group, user=student).exists()


def test_remove_ban_and_unban(gql, student, outsider, private_group):
    add_member(private_group, outsider)
    gql.as_user(student)
    removed = gql.mutate("removeMember", REMOVE, input={"groupId": gid(private_group),
                                                        "username": "zhang_wei"})
    assert removed == {"group": {"memberCount": 1}, "errors": []}
    banned = gql.mutate("banMember", BAN, input={"groupId": gid(private_group),
                                                 "username": "zhang_wei", "reason": "发广告"})
    assert banned == {"group": {"memberCount": 1}, "ban": {"reason": "发广告"}, "errors": []}

    refused = gql.as_user(outsider).mutate("requestToJoin", REQUEST,
                                           input={"groupId": gid(private_group)})
    assert errors_of(refused) == [(None, "PERMISSION_DENIED")]
    assert not JoinRequest.objects.exists()

    unbanned = gql.as_user(student).mutate("unbanMember", UNBAN, input={
        "groupId": gid(private_group), "username": "zhang_wei"})
    assert unbanned["errors"] == [] and not Ban.objects.exists()


def test_a_member_cannot_remove_the_owner(gql, student, outsider, private_group):
    add_member(private_group, outsider)
    payload = gql.as_user(outsider).mutate("removeMember", REMOVE, input={
        "groupId": gid(private_group), "username": "li_ming"})
    assert errors_of(payload) == [(None, "PERMISSION_DENIED")]
    private_group.refresh_from_db()
    assert private_group.member_count == 2


def test_set_role_and_transfer_ownership(gql, student, outsider, private_group):
    add_member(private_group, outsider)
    gql.as_user(student)
    promoted = gql.mutate("setMemberRole", SET_ROLE, input={
        "groupId": gid(private_group), "username": "zhang_wei", "role": "ADMIN"})
    assert promoted == {"membership": {"role": "ADMIN"}, "errors": []}
    as_owner = gql.mutate("setMemberRole", SET_ROLE, input={
        "groupId": gid(private_group), "username": "zhang_wei", "role": "OWNER"})
    assert errors_of(as_owner) == [("role", "INVALID")]

    moved = gql.mutate("transferOwnership", TRANSFER, input={
        "groupId": gid(private_group), "username": "zhang_wei"})
    assert moved == {"group": {"owner": {"username": "zhang_wei"}, "viewerRole": "ADMIN"},
                     "errors": []}
    assert Membership.objects.get(group=private_group, user=outsider).role == "owner"


def test_regenerate_join_code_retires_the_old_one(gql, teacher, student, class_group):
    old_code = class_group.join_code
    payload = gql.as_user(teacher).mutate("regenerateJoinCode", REGENERATE,
                                          input={"groupId": gid(class_group)})
    assert payload["errors"] == [] and payload["group"]["joinCode"] not in (None, old_code)
    late = gql.as_user(student).mutate("joinByCode", JOIN_BY_CODE, input={"code": old_code})
    assert errors_of(late) == [("code", "INVALID")]


def test_only_the_owner_deletes_a_group(gql, student, outsider, private_group):
    add_member(private_group, outsider)
    refused = gql.as_user(outsider).mutate("deleteGroup", DELETE,
                                           input={"groupId": gid(private_group)})
    assert errors_of(refused) == [(None, "PERMISSION_DENIED")]
    assert Group.objects.filter(pk=private_group.pk).exists()
    deleted = gql.as_user(student).mutate("deleteGroup", DELETE,
                                          input={"groupId": gid(private_group)})
    assert deleted == {"deletedGroupId": gid(private_group), "errors": []}
    assert not Group.objects.filter(pk=private_group.pk).exists()


# --- listings ---------------------------------------------------------------------------


def test_search_groups_and_my_groups(gql, teacher, student, school, class_group):
    make_interest_group(student, name="摄影社", school=school)
    make_interest_group(student, name="考研交流群")
    gql.as_user(student)
    found = gql.data("""query($q: String, $kind: GroupKind, $school: ID) {
        groups(query: $q, kind: $kind, schoolId: $school) { edges { node { name } } } }""",
                     q="摄影", kind="INTEREST", school=gid(school))
    assert found["groups"]["edges"] == [{"node": {"name": "摄影社"}}]
    mine = gql.data("query { myGroups { edges { node { name viewerRole } } } }")
    assert sorted((e["node"]["name"], e["node"]["viewerRole"])
                  for e in mine["myGroups"]["edges"]) == [("摄影社", "OWNER"),
                                                          ("考研交流群", "OWNER")]


def test_my_groups_needs_a_login(gql, db):
    body = gql.as_user(None)("query { myGroups { edges { node { name } } } }")
    assert body["data"]["myGroups"] is None
    assert error_codes(body) == [("UNAUTHENTICATED", None)]

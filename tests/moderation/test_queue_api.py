"""The review queue over GraphQL: moderationQueue cut by jurisdiction, decideReport and
appealDecision with their typed errors (nothing changes on any of them)."""

import pytest

from tests.graphql.conftest import GraphQLClient
from tests.moderation.queue_world import POST_TEXT, file_report, make_world
from yiban_core.graphql.relay import global_id
from yiban_core.moderation.models import Case

pytestmark = pytest.mark.django_db

QUEUE = """query($status: CaseStatus, $first: Int, $after: String) {
  moderationQueue(status: $status, first: $first, after: $after) {
    edges { node { id targetKind targetId excerpt reportCount status contentState appealText
                   author { username } group { name }
                   reasonCounts { reason label count } reports { reporter { username } reason }
                   viewerCanDecide viewerDecisions } }
    pageInfo { hasNextPage endCursor } } }"""
DECIDE = """mutation($input: DecideReportInput!) {
  decideReport(input: $input) { case { status decision reason contentState }
                                errors { field code message } } }"""
APPEAL = """mutation($input: AppealDecisionInput!) {
  appealDecision(input: $input) { case { status appealText reports { reason } }
                                  errors { field code message } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on ModerationCase {
  excerpt decision reason reports { reporter { username } } } } }"""


@pytest.fixture
def world():
    return make_world()


@pytest.fixture
def case(world):
    file_report(world.post, world.reporter, reason="ad")
    return file_report(world.post, world.classmate, reason="abuse")


def case_id(case) -> str:
    return global_id("ModerationCase", case.pk)


def decide(gql, case, **fields) -> dict:
    return gql.mutate("decideReport", DECIDE, input={"caseId": case_id(case), **fields})


def test_the_teacher_reads_the_queue_with_reasons_and_reporters(client, world, case):
    gql = GraphQLClient(client).as_user(world.teacher)
    [edge] = gql.data(QUEUE)["moderationQueue"]["edges"]
    node = edge["node"]
    assert node["id"] == case_id(case)
    assert (node["targetKind"], node["targetId"]) == ("Post", global_id("Post", world.post.pk))
    assert node["excerpt"] == POST_TEXT and node["reportCount"] == 2
    assert node["status"] == "OPEN" and node["contentState"] == "VISIBLE"
    assert node["author"]["username"] == "zhang_san" and node["group"]["name"] == "软件工程2401班"
    assert sorted((r["reason"], r["count"]) for r in node["reasonCounts"]) == [("abuse", 1),
                                                                             ("ad", 1)]
    assert {r["reporter"]["username"] for r in node["reports"]} == {"li_si", "wang_wu"}
    assert node["viewerCanDecide"] and "REMOVE" in node["viewerDecisions"]
    assert "SUSPEND" not in node["viewerDecisions"]  # a school's or the site's admins only
    outsider = GraphQLClient(client).as_user(world.other_teacher)
    assert outsider.data(QUEUE)["moderationQueue"]["edges"] == []


def test_deciding_outside_the_jurisdiction_is_refused(client, world, case):
    gql = GraphQLClient(client).as_user(world.other_teacher)
    payload = decide(gql, case, decision="REMOVE", reason="违规")
    assert [e["code"] for e in payload["errors"]] == ["PERMISSION_DENIED"]
    assert payload["case"] is None
    assert Case.objects.get(pk=case.pk).status == "open"


def test_remove_then_appeal_once_then_another_moderator_restores(client, world, case):
    teacher = GraphQLClient(client).as_user(world.teacher)
    payload = decide(teacher, case, decision="REMOVE", reason="出售作业答案")
    assert payload["errors"] == []
    assert payload["case"] == {"status": "DECIDED", "decision": "REMOVE",
                               "reason": "出售作业答案", "contentState": "REMOVED"}
    again = decide(teacher, case, decision="DISMISS")
    assert [e["code"] for e in again["errors"]] == ["CONFLICT"]

    author = GraphQLClient(client).as_user(world.author)
    mine = author.data(NODE, id=case_id(case))["node"]
    assert mine["decision"] == "REMOVE" and mine["reason"] == "出售作业答案"
    assert mine["reports"] == []  # never who reported
    appealed = author.mutate("appealDecision", APPEAL,
                             input={"caseId": case_id(case), "text": "只是玩笑"})
    assert appealed["errors"] == []
    assert appealed["case"] == {"status": "OPEN", "appealText": "只是玩笑", "reports": []}
    twice = author.mutate("appealDecision", APPEAL,
                          input={"caseId": case_id(case), "text": "再申诉"})
    assert [e["code"] for e in twice["errors"]] == ["CONFLICT"]

    own = decide(teacher.as_user(world.teacher), case, decision="APPROVE", reason="恢复")
    assert [e["code"] for e in own["errors"]] == ["PERMISSION_DENIED"]
    admin = GraphQLClient(client).as_user(world.school_admin)
    [edge] = admin.data(QUEUE)["moderationQueue"]["edges"]
    assert edge["node"]["appealText"] == "只是玩笑"
    assert edge["node"]["viewerDecisions"] == ["APPROVE", "UPHOLD"]
    restored = decide(admin, case, decision="APPROVE", reason="经核实为玩笑")
    assert restored["errors"] == []
    assert restored["case"]["contentState"] == "VISIBLE"


@pytest.mark.parametrize("fields, code, field", [
    ({"decision": "MUTE", "reason": "刷屏", "muteDays": 0}, "INVALID", "muteDays"),
    ({"decision": "MUTE", "reason": "刷屏", "muteDays": 366}, "INVALID", "muteDays"),
    ({"decision": "REMOVE"}, "INVALID", "reason"),
    ({"decision": "UPHOLD", "reason": "x"}, "INVALID", "decision"),
])
def test_bad_decisions_are_typed_errors(client, world, case, fields, code, field):
    gql = GraphQLClient(client).as_user(world.teacher)
    payload = decide(gql, case, **fields)
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [(code, field)]
    assert Case.objects.get(pk=case.pk).status == "open"


def test_a_malformed_case_id_is_invalid(client, world, case):
    gql = GraphQLClient(client).as_user(world.teacher)
    payload = gql.mutate("decideReport", DECIDE, input={"caseId": global_id("Post", case.pk),
                                                        "decision": "DISMISS"})
    assert [(e["code"], e["field"]) for e in payload["errors"]] == [("INVALID", "caseId")]


def test_outsiders_cannot_read_a_case_by_its_id(client, world, case):
    for user in (world.other_teacher, world.reporter):
        gql = GraphQLClient(client).as_user(user)
        assert gql.data(NODE, id=case_id(case))["node"] is None


def test_the_queue_pages_on(client, world):
    from feeds import services as feed_services
    from tests.factories import actor_for

    for n in range(3):
        post = feed_services.publish_post(actor=actor_for(world.author), text=f"第{n}条",
                                          group=world.group)
        file_report(post, world.reporter)
    gql = GraphQLClient(client).as_user(world.teacher)
    first = gql.data(QUEUE, first=2)["moderationQueue"]
    rest = gql.data(QUEUE, first=2, after=first["pageInfo"]["endCursor"])["moderationQueue"]
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]
    assert len(rest["edges"]) == 1 and not rest["pageInfo"]["hasNextPage"]

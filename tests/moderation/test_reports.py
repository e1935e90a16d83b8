"""Reporting (举报): who may report what, once; bad input changes nothing; the reported
person is told nothing; GraphQL's reportContent says the same."""

import pytest

from feeds import services as feed_services
from feeds.models import Post
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from tests.graphql.conftest import GraphQLClient
from yiban_core.actor import ANONYMOUS
from yiban_core.errors import Conflict, Invalid, NotAuthenticated, NotFound, RateLimited
from yiban_core.graphql.relay import global_id
from yiban_core.groups.models import Group
from yiban_core.moderation.models import Case, CaseOrigin, CaseStatus, ContentState, Report
from yiban_core.moderation.services import report_content
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db

REPORT = """mutation($targetId: ID!, $reason: ReportReason!, $detail: String) {
  reportContent(input: {targetId: $targetId, reason: $reason, detail: $detail}) {
    report { id reason createdAt status } errors { field code message } }
}"""


@pytest.fixture
def gql(client) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
def school():
    return make_school("华中科技大学")


@pytest.fixture
def author(school):
    return verify(make_user("zhang_wei", school=school))


@pytest.fixture
def reporter(school):
    return verify(make_user("li_na", school=school))


@pytest.fixture
def post(author):
    return feed_services.publish_post(actor=actor_for(author), text="出售四六级答案，私聊")


def nothing_reported() -> bool:
    return not Report.objects.exists() and not Case.objects.exists()


def test_a_report_opens_a_case_and_tells_the_author_nothing(post, author, reporter):
    before = Notification.objects.filter(recipient=author).count()
    report = report_content(actor=actor_for(reporter), target=post, reason="ad",
                            detail="  卖考试答案  ")
    case = report.case
    assert (case.status, case.origin, case.report_count) == (
        CaseStatus.OPEN, CaseOrigin.REPORTS, 1)
    assert case.author == author and case.excerpt == "出售四六级答案，私聊"
    assert report.detail == "卖考试答案"
    assert Notification.objects.filter(recipient=author).count() == before
    # A second reporter joins the same case.
    other = verify(make_user("wang_fang", school=reporter.school))
    report_content(actor=actor_for(other), target=post, reason="illegal")
    case.refresh_from_db()
    assert case.report_count == 2 and Case.objects.count() == 1


def test_reporting_twice_is_a_conflict_and_changes_nothing(post, reporter):
    report_content(actor=actor_for(reporter), target=post, reason="ad")
    with pytest.raises(Conflict):
        report_content(actor=actor_for(reporter), target=post, reason="abuse")
    case = Case.objects.get()
    assert case.report_count == 1 and Report.objects.count() == 1


def test_what_the_reporter_cannot_see_cannot_be_reported(school, author, reporter):
    club = make_interest_group(author, name="私密小组", is_private=True,
                               join_policy=Group.JoinPolicy.APPROVAL)
    hidden = feed_services.publish_post(actor=actor_for(author), text="组内讨论", group=club)
    with pytest.raises(NotFound):
        report_content(actor=actor_for(reporter), target=hidden, reason="other")
    assert nothing_reported()


def test_bad_reports_are_refused_and_change_nothing(post, author, reporter):
    with pytest.raises(Invalid):
        report_content(actor=actor_for(author), target=post, reason="ad")  # own content
    with pytest.raises(Invalid):
        report_content(actor=actor_for(author), target=author, reason="abuse")  # oneself
    with pytest.raises(Invalid):
        report_content(actor=actor_for(reporter), target=post, reason="boring")
    with pytest.raises(Invalid):
        report_content(actor=actor_for(reporter), target=post, reason="ad", detail="长" * 501)
    with pytest.raises(NotAuthenticated):
        report_content(actor=ANONYMOUS, target=post, reason="ad")
    assert nothing_reported()


def test_reports_are_rate_limited(settings, author, reporter):
    settings.MODERATION_REPORTS_PER_HOUR = 2
    posts = [feed_services.publish_post(actor=actor_for(author), text=f"广告{n}")
             for n in range(3)]
    for post in posts[:2]:
        report_content(actor=actor_for(reporter), target=post, reason="ad")
    with pytest.raises(RateLimited):
        report_content(actor=actor_for(reporter), target=posts[2], reason="ad")
    assert Report.objects.count() == 2


def test_groups_and_people_are_reported_into_the_queue_not_hidden(author, reporter):
    club = make_interest_group(author, name="代写论文工作室")
    report_content(actor=actor_for(reporter), target=club, reason="ad")
    report_content(actor=actor_for(reporter), target=author, reason="abuse")
    cases = {case.target_type.model: case for case in Case.objects.all()}
    assert cases["group"].target_id == club.pk and cases["group"].author == author
    assert cases["user"].target_id == author.pk
    assert cases["user"].excerpt == author.display_name


def test_graphql_reports_once_and_says_the_case_is_open(gql, post, reporter):
    gql.as_user(reporter)
    payload = gql.mutate("reportContent", REPORT, targetId=global_id("Post", post.pk),
                         reason="PORN", detail="低俗图片")
    assert payload["errors"] == []
    assert payload["report"]["reason"] == "PORN" and payload["report"]["status"] == "OPEN"
    again = gql.mutate("reportContent", REPORT, targetId=global_id("Post", post.pk),
                       reason="AD")
    assert again["report"] is None
    assert [(e["code"], e["field"]) for e in again["errors"]] == [("CONFLICT", "targetId")]
    assert Report.objects.count() == 1


def test_graphql_bad_input_is_a_typed_error_and_changes_nothing(gql, school, post, author,
                                                                 reporter):
    club = make_interest_group(author, name="私密小组", is_private=True,
                               join_policy=Group.JoinPolicy.APPROVAL)
    hidden = feed_services.publish_post(actor=actor_for(author), text="组内讨论", group=club)
    gql.as_user(reporter)
    cases = [
        (global_id("Post", hidden.pk), "AD", None, ("NOT_FOUND", "targetId")),
        (global_id("Post", 10**9), "AD", None, ("NOT_FOUND", "targetId")),
        (global_id("School", school.pk), "AD", None, ("INVALID", "targetId")),
        ("not an id", "AD", None, ("INVALID", "targetId")),
        (global_id("Post", post.pk), "AD", "长" * 501, ("INVALID", "detail")),
    ]
    for target, reason, detail, expected in cases:
        payload = gql.mutate("reportContent", REPORT, targetId=target, reason=reason,
                             detail=detail)
        assert [(e["code"], e["field"]) for e in payload["errors"]] == [expected], target
    unknown = gql.raw(REPORT, targetId=global_id("Post", post.pk), reason="BORING")
    assert unknown.status_code == 400 and "ReportReason" in unknown.json()["errors"][0]["message"]
    gql.as_user(author)
    own = gql.mutate("reportContent", REPORT, targetId=global_id("Post", post.pk), reason="AD")
    assert [e["code"] for e in own["errors"]] == ["INVALID"]
    assert nothing_reported()


def test_the_author_sees_the_state_of_their_post_and_nobody_else_does(gql, post, author,
                                                                       reporter):
    query = """query($id: ID!) { node(id: $id) { ... on Post { moderationState } } }"""
    post_id = global_id("Post", post.pk)
    assert gql.as_user(author).data(query, id=post_id)["node"]["moderationState"] == "VISIBLE"
    assert gql.as_user(reporter).data(query, id=post_id)["node"]["moderationState"] is None
    assert Post.objects.get().moderation == ContentState.VISIBLE

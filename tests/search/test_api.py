"""GraphQL `search`: results with their objects, scopes, and bad input as typed errors."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from feeds import services as feed_services
from resources import services as resource_services
from tests.factories import actor_for, make_interest_group, make_school, make_user
from tests.graphql.conftest import GraphQLClient, error_codes, gid
from yiban_core.actor import Actor
from yiban_core.graphql.errors import format_error
from yiban_core.graphql.schema import schema
from yiban_core.groups.models import Group

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits

SEARCH = """query($q: String!, $kinds: [SearchKind!], $schoolId: ID, $subject: ResourceSubject,
                  $courseId: ID, $since: SearchPeriod, $sort: SearchSort, $first: Int,
                  $after: String) {
  search(query: $q, kinds: $kinds, schoolId: $schoolId, subject: $subject, courseId: $courseId,
         since: $since, sort: $sort, first: $first, after: $after) {
    edges { cursor node {
      kind title snippet score
      node {
        __typename
        ... on Post { id text author { username } viewerHasLiked topics { name } }
        ... on Resource { id title subject myRating { stars } }
        ... on Group { id name viewerRole }
        ... on User { id username }
        ... on Topic { id name }
      }
    } }
    pageInfo { hasNextPage endCursor }
  }
}"""


@pytest.fixture(autouse=True)
def _plain(settings, no_redis):
    settings.ELASTICSEARCH_URL = ""


@pytest.fixture
def gql(client) -> GraphQLClient:
    return GraphQLClient(client)


@pytest.fixture
def world(run_worker):
    school = make_school("复旦大学")
    author = make_user("xiaohong", school=school, display_name="小红")
    post = feed_services.publish_post(actor=actor_for(author),
                                      text="高等数学期末复习资料 #期末考试# 整理好了")
    hidden = make_interest_group(author, name="秘密小组", is_private=True,
                                 join_policy=Group.JoinPolicy.CLOSED)
    secret = feed_services.publish_post(actor=actor_for(author), text="高等数学群内讨论",
                                        group=hidden)
    course = resource_services.course_for(school=school, code="MA101", name="数学分析")
    resource = resource_services.publish_resource(
        actor=actor_for(author), title="高等数学期末复习资料", subject="mathematics",
        url="https://example.edu.cn/gs", course=course)
    group = make_interest_group(author, name="高等数学互助群")
    run_worker()
    return {"school": school, "author": author, "post": post, "secret": secret,
            "resource": resource, "group": group, "course": course}


def nodes(body):
    return [edge["node"] for edge in body["data"]["search"]["edges"]]


def test_search_finds_every_kind_with_its_object(gql, world):
    viewer = make_user("reader")
    data = gql.as_user(viewer).data(SEARCH, q="高等数学")
    found = {(n["kind"], n["node"]["__typename"], n["node"]["id"])
             for n in nodes({"data": data})}
    assert found == {
        ("POST", "Post", gid(world["post"])),
        ("RESOURCE", "Resource", gid(world["resource"])),
        ("GROUP", "Group", gid(world["group"])),
    }
    post = next(n for n in nodes({"data": data}) if n["kind"] == "POST")
    assert "<mark>高等数学</mark>" in post["snippet"]
    assert post["node"]["author"]["username"] == "xiaohong"
    assert post["node"]["topics"] == [{"name": "期末考试"}]
    assert post["node"]["viewerHasLiked"] is False
    assert post["score"] > 0
    group = next(n for n in nodes({"data": data}) if n["kind"] == "GROUP")
    assert group["node"]["viewerRole"] is None


def test_filters_sort_and_the_cursor(gql, world):
    data = gql.as_user(None).data(SEARCH, q="数学", kinds=["RESOURCE"], subject="MATHEMATICS",
                                  courseId=gid(world["course"]), schoolId=gid(world["school"]),
                                  since="WEEK", sort="NEWEST")
    assert [n["node"]["id"] for n in nodes({"data": data})] == [gid(world["resource"])]
    seen, after = [], None
    while True:
        body = gql.data(SEARCH, q="高等数学", first=1, after=after)
        seen += [n["node"]["id"] for n in nodes({"data": body})]
        edges = body["search"]["edges"]
        if edges:
            assert edges[-1]["cursor"] == body["search"]["pageInfo"]["endCursor"]
        if not body["search"]["pageInfo"]["hasNextPage"]:
            break
        after = body["search"]["pageInfo"]["endCursor"]
    assert len(seen) == len(set(seen)) == 3


def test_pinyin_and_the_topic_kind(gql, world):
    data = gql.data(SEARCH, q="gaodengshuxue", kinds=["RESOURCE"])
    assert [n["node"]["title"] for n in nodes({"data": data})] == ["高等数学期末复习资料"]
    data = gql.data(SEARCH, q="期末考试", kinds=["TOPIC"])
    assert [n["node"]["name"] for n in nodes({"data": data})] == ["期末考试"]


def test_a_private_groups_post_is_for_its_members(gql, world):
    data = gql.as_user(world["author"]).data(SEARCH, q="群内讨论")
    assert [n["node"]["id"] for n in nodes({"data": data})] == [gid(world["secret"])]
    assert nodes({"data": gql.as_user(make_user()).data(SEARCH, q="群内讨论")}) == []
    assert nodes({"data": gql.as_user(None).data(SEARCH, q="群内讨论")}) == []


def _as_token(user, scopes, **variables):
    """Run the query as an app holding a user's token with these scopes."""
    request = RequestFactory().post("/graphql")
    request.user = user
    request.actor = Actor(user=user, scopes=frozenset(scopes))
    result = schema.execute(SEARCH, variable_values=variables, context_value=request)
    return {"data": result.data, "errors": [format_error(e) for e in result.errors or []]}


def test_a_token_without_feed_read_finds_no_posts(world):
    reader = make_user()
    body = _as_token(reader, {"resources:read"}, q="高等数学")
    assert not body["errors"]
    assert {n["kind"] for n in nodes(body)} == {"RESOURCE"}
    body = _as_token(reader, {"feed:read"}, q="高等数学")
    assert {n["kind"] for n in nodes(body)} == {"POST"}
    assert nodes(_as_token(reader, set(), q="高等数学")) == []


@pytest.mark.parametrize(("variables", "field"), [
    ({"q": ""}, "query"),
    ({"q": "   "}, "query"),
    ({"q": "*"}, "query"),
    ({"q": "数" * 10_000}, "query"),
    ({"q": "数学", "first": 0}, "first"),
    ({"q": "数学", "first": 1000}, "first"),
    ({"q": "数学", "after": "garbage"}, "after"),
    ({"q": "数学", "schoolId": "not-an-id"}, "schoolId"),
    ({"q": "数学", "courseId": "U2Nob29sOjE="}, "courseId"),  # a School's ID
])
def test_bad_input_is_a_typed_error(gql, variables, field):
    body = gql(SEARCH, **variables)
    assert body["data"]["search"] is None
    assert error_codes(body) == [("INVALID", field)]


def test_a_cursor_of_another_search_is_refused(gql, world):
    cursor = gql.data(SEARCH, q="高等数学", first=1)["search"]["pageInfo"]["endCursor"]
    body = gql(SEARCH, q="数学", after=cursor)
    assert error_codes(body) == [("INVALID", "after")]


@pytest.mark.parametrize("query", [
    '"高等数学"', "高等数学 AND 复习", "' OR 1=1 --", "title:(a OR b)^3~", "数学*", "<script>",
])
def test_operator_laden_queries_give_results_not_errors(gql, world, query):
    body = gql(SEARCH, q=query)
    assert "errors" not in body, body
    for node in nodes(body):
        assert "<script>" not in node["snippet"]

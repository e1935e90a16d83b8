"""Points and the people leaderboard through GraphQL: one's own ledger only."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import actor_for, make_interest_group, make_school, make_user
from tests.graphql.conftest import GraphQLClient, error_codes, gid
from yiban_core.credits import boards, services
from yiban_core.credits.models import PointEntry
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db


@pytest.fixture
def gql(client) -> GraphQLClient:
    return GraphQLClient(client)


def give(user, posts: int, tag: str = "") -> None:
    """Two points a post (post_published), up to its daily cap of ten."""
    for i in range(posts):
        services.award(user_id=user.pk, rule="post_published", key=f"{tag}{user.pk}:{i}")


MY_POINTS = """query($first: Int, $after: String) {
  myPoints {
    balance
    history(first: $first, after: $after) {
      edges { node { id amount rule label isReversal createdAt } }
      pageInfo { hasNextPage endCursor }
    }
  }
}"""
NODE = "query($id: ID!) { node(id: $id) { id ... on PointEntry { amount rule } } }"
CHECKIN = """mutation { dailyCheckin(input: {}) {
  errors { field code message } balance entry { amount rule label }
} }"""
BOARD = """query($window: LeaderboardWindow, $schoolId: ID, $groupId: ID, $first: Int,
                 $subject: ResourceSubject) {
  leaderboard(kind: PEOPLE, window: $window, schoolId: $schoolId, groupId: $groupId,
              first: $first, subject: $subject) {
    kind window viewerRank viewerPoints
    rows { rank points score resource { id } group { id }
           user { username displayName school { name } } }
  }
}"""


def test_my_balance_and_history_newest_first(gql):
    me = make_user("me_myself")
    give(me, 3)
    services.daily_checkin(actor=actor_for(me))
    data = gql.as_user(me).data(MY_POINTS, first=2)["myPoints"]
    assert data["balance"] == 11
    rows = [edge["node"] for edge in data["history"]["edges"]]
    assert [(r["amount"], r["rule"], r["label"]) for r in rows] == [
        (5, "daily_checkin", "每日签到"), (2, "post_published", "发布动态")]
    assert data["history"]["pageInfo"]["hasNextPage"] is True
    rest = gql.data(MY_POINTS, first=10,
                    after=data["history"]["pageInfo"]["endCursor"])["myPoints"]["history"]
    assert [e["node"]["amount"] for e in rest["edges"]] == [2, 2]
    assert rest["pageInfo"]["hasNextPage"] is False


def test_a_reversal_shows_in_the_history(gql):
    from resources import services as resource_services

    me = make_user("me_myself")
    resource = resource_services.publish_resource(
        actor=actor_for(me), title="试卷", subject="exams", url="https://example.com/exam")
    resource_services.delete_resource(actor=actor_for(me), resource_id=resource.pk)
    data = gql.as_user(me).data(MY_POINTS)["myPoints"]
    assert data["balance"] == 0
    assert [(e["node"]["amount"], e["node"]["isReversal"], e["node"]["label"])
            for e in data["history"]["edges"]] == [(-10, True, "分享学习资源"),
                                                   (10, False, "分享学习资源")]


def test_points_are_readable_by_their_owner_only(gql):
    me, other = make_user("me_myself"), make_user("other_one")
    give(other, 1)
    entry = PointEntry.objects.get(user=other)
    anonymous = gql.as_user(None)(MY_POINTS)
    assert anonymous["data"]["myPoints"] is None
    assert error_codes(anonymous) == [("UNAUTHENTICATED", None)]
    mine = gql.as_user(me).data(MY_POINTS)["myPoints"]
    assert mine["balance"] == 0 and mine["history"]["edges"] == []
    assert gql.data(NODE, id=gid(entry))["node"] is None
    assert gql.as_user(None).data(NODE, id=gid(entry))["node"] is None
    assert gql.as_user(other).data(NODE, id=gid(entry))["node"] == {
        "id": gid(entry), "amount": 2, "rule": "post_published"}


def test_a_forged_history_cursor_is_invalid(gql):
    body = gql.as_user(make_user())(MY_POINTS, after="forged")
    assert error_codes(body) == [("INVALID", "after")]
    body = gql(MY_POINTS, first=0)
    assert error_codes(body) == [("INVALID", "first")]


def test_daily_checkin_once_a_day(gql):
    me = make_user()
    first = gql.as_user(me).mutate("dailyCheckin", CHECKIN)
    assert first == {"errors": [], "balance": 5,
                     "entry": {"amount": 5, "rule": "daily_checkin", "label": "每日签到"}}
    second = gql.mutate("dailyCheckin", CHECKIN)
    assert [e["code"] for e in second["errors"]] == ["CONFLICT"]
    assert second["balance"] is None
    anonymous = gql.as_user(None).mutate("dailyCheckin", CHECKIN)
    assert [e["code"] for e in anonymous["errors"]] == ["UNAUTHENTICATED"]
    assert PointEntry.objects.count() == 1


# --- the people board ---------------------------------------------------------------------


@pytest.fixture
def league():
    """Eight players, two schools, a tie on purpose; the viewer is sixth."""
    school_a, school_b = make_school("甲大学"), make_school("乙学院")
    players = [make_user(f"player{i}", school=school_a if i % 2 else school_b)
               for i in range(8)]
    for player, posts in zip(players, [5, 4, 4, 3, 3, 2, 1, 0], strict=True):
        give(player, posts)
    return players, school_a, school_b


@pytest.mark.usefixtures("no_redis")
def test_the_viewer_sees_their_rank_outside_the_top(gql, league):
    players, _school_a, _school_b = league
    viewer = players[5]
    board = gql.as_user(viewer).data(BOARD, first=3)["leaderboard"]
    assert board["kind"] == "PEOPLE" and board["window"] == "ALL"
    assert [(r["rank"], r["points"], r["user"]["username"]) for r in board["rows"]] == [
        (1, 10, "player0"), (2, 8, "player1"), (3, 8, "player2")]  # ties: the lower id first
    assert all(r["resource"] is None and r["group"] is None and r["score"] is None
               for r in board["rows"])
    assert (board["viewerRank"], board["viewerPoints"]) == (6, 4)
    nobody = gql.as_user(players[7]).data(BOARD, first=3)["leaderboard"]
    assert (nobody["viewerRank"], nobody["viewerPoints"]) == (None, 0)
    anonymous = gql.as_user(None).data(BOARD, first=3)["leaderboard"]
    assert anonymous["viewerRank"] is None and anonymous["viewerPoints"] is None
    assert len(anonymous["rows"]) == 3


@pytest.mark.usefixtures("no_redis")
def test_school_group_and_window_scopes(gql, league):
    players, school_a, _school_b = league
    viewer = players[5]
    gql.as_user(viewer)
    school = gql.data(BOARD, schoolId=gid(school_a), window="WEEK")["leaderboard"]
    assert [r["user"]["username"] for r in school["rows"]] == ["player1", "player3", "player5"]
    assert {r["user"]["school"]["name"] for r in school["rows"]} == {"甲大学"}
    assert school["viewerRank"] == 3 and school["window"] == "WEEK"
    club = make_interest_group(players[6], name="学习小组", is_private=True,
                               join_policy="approval")
    group = gql(BOARD, groupId=gid(club))
    assert error_codes(group) == [("PERMISSION_DENIED", None)]
    owner_view = gql.as_user(players[6]).data(BOARD, groupId=gid(club))["leaderboard"]
    assert [(r["rank"], r["user"]["username"]) for r in owner_view["rows"]] == [
        (1, "player6")]
    assert owner_view["viewerRank"] == 1
    open_club = make_interest_group(players[7], name="开放小组")
    for player in players[2:5]:
        group_services.join_group(actor=actor_for(player), group=open_club)
    members = gql.data(BOARD, groupId=gid(open_club))["leaderboard"]
    assert [r["user"]["username"] for r in members["rows"]] == ["player2", "player3",
                                                               "player4"]
    assert members["viewerRank"] is None  # player6 is not in it


@pytest.mark.usefixtures("no_redis")
def test_bad_board_arguments(gql, league):
    gql.as_user(league[0][0])
    assert error_codes(gql(BOARD, first=101)) == [("INVALID", "first")]
    assert error_codes(gql(BOARD, first=0)) == [("INVALID", "first")]
    assert error_codes(gql(BOARD, subject="ARTS")) == [("INVALID", "subject")]
    assert error_codes(gql(BOARD, groupId="bogus")) == [("INVALID", "groupId")]
    bad_window = gql.raw(BOARD, window="YEAR")
    assert bad_window.status_code == 400 and "LeaderboardWindow" in bad_window.json()[
        "errors"][0]["message"]


def test_redis_and_the_database_give_the_same_board(gql, league, redis_timelines, settings):
    players, school_a, _school_b = league
    boards.rebuild()
    gql.as_user(players[5])
    from_redis = gql.data(BOARD, first=5)["leaderboard"]
    school_from_redis = gql.data(BOARD, first=5, schoolId=gid(school_a))["leaderboard"]
    settings.ACCELERATOR_REDIS_URL = ""
    from yiban_core import redis as accelerator

    accelerator._client.cache_clear()
    assert gql.data(BOARD, first=5)["leaderboard"] == from_redis
    assert gql.data(BOARD, first=5, schoolId=gid(school_a))["leaderboard"] == school_from_redis
    assert from_redis["viewerRank"] == 6


@pytest.mark.usefixtures("no_redis")
def test_a_board_of_100_people_costs_what_a_board_of_10_costs(gql):
    schools = [make_school(), make_school()]
    people = [make_user(school=schools[i % 2]) for i in range(110)]
    for i, person in enumerate(people):
        give(person, 1 + i % 5)
    viewer = people[-1]

    def queries(first: int) -> int:
        gql.as_user(viewer).data(BOARD, first=1)
        with CaptureQueriesContext(connection) as captured:
            board = gql.data(BOARD, first=first)["leaderboard"]
        assert len(board["rows"]) == first and board["viewerRank"]
        assert all(r["user"]["school"]["name"] for r in board["rows"])
        return len(captured.captured_queries)

    assert queries(100) == queries(10)

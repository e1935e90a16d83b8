"""People boards: the Redis path and the database path rank alike, ties included."""

from datetime import timedelta

import pytest
from django.db.models import F
from django.utils import timezone

from tests.factories import actor_for, make_interest_group, make_school, make_user
from yiban_core.credits import boards, selectors, services
from yiban_core.credits.models import PointBalance, PointEntry, PointPeriodTotal
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db(transaction=True)


def give(user, points_of_shares: int, tag: str = ""):
    for i in range(points_of_shares):
        services.award(user_id=user.pk, rule="post_published", key=f"{tag}{user.pk}:{i}")


@pytest.fixture
def league():
    """Ten users, two schools, ties on purpose; a group with some of them."""
    school_a, school_b = make_school("甲大学"), make_school("乙学院")
    users = [make_user(f"player{i}", school=school_a if i % 2 else school_b) for i in range(10)]
    for user, shares in zip(users, [3, 5, 5, 1, 0, 4, 5, 2, 3, 1], strict=True):
        give(user, shares)
    group = make_interest_group(users[9], name="学习小组")
    for user in users[1:5]:
        group_services.join_group(actor=actor_for(user), group=group)
    return users, school_a, group


def ranking(**kw):
    return [(r.user_id, r.points, r.rank) for r in boards.top(**kw)]


@pytest.mark.parametrize("window", ["day", "week", "month", "all"])
def test_redis_and_database_rank_alike(redis_timelines, league, window):
    users, school, group = league
    boards.rebuild()
    for scope in ({}, {"school_id": school.pk}, {"group_id": group.pk}):
        from_db = ranking(window=window, use_redis=False, **scope)
        from_redis = ranking(window=window, **scope)
        assert from_redis == from_db, scope
        for user in users:
            assert boards.rank_of(user_id=user.pk, window=window, **scope) == boards.rank_of(
                user_id=user.pk, window=window, use_redis=False, **scope)


def test_ties_go_to_the_lower_user_id(no_redis, league):
    users, *_ = league
    top3 = ranking(window="all", count=3)
    assert [u for u, _p, _r in top3] == sorted([users[1].pk, users[2].pk, users[6].pk])
    assert [p for _u, p, _r in top3] == [10, 10, 10]


def test_redis_follows_awards_as_they_happen(redis_timelines, league):
    users, *_ = league
    boards.rebuild()
    give(users[3], 4, tag="late")  # 2 + 8 = 10 points: joins the tie at the top
    assert ranking(window="all") == ranking(window="all", use_redis=False)
    assert ranking(window="day") == ranking(window="day", use_redis=False)


def test_a_lost_redis_is_rebuilt_from_the_ledger(redis_timelines, league):
    expected = ranking(window="week", use_redis=False)
    redis_timelines.flushdb()
    assert ranking(window="week") == expected  # read from the database meanwhile
    boards.rebuild()
    assert redis_timelines.exists(boards._key("site", "week"))
    assert ranking(window="week") == expected


def test_windows_leave_out_older_points(no_redis, league):
    users, *_ = league
    # As if player1 had earned everything 40 days ago.
    PointEntry.objects.filter(user=users[1]).update(
        created_at=timezone.now() - timedelta(days=40))
    PointPeriodTotal.objects.filter(user=users[1]).update(starts=F("starts") - timedelta(days=40))
    assert users[1].pk not in [u for u, *_ in ranking(window="month")]
    assert users[1].pk in [u for u, *_ in ranking(window="all")]


def test_viewer_sees_their_own_rank_outside_the_top(no_redis, league):
    users, *_ = league
    board = selectors.people_board(actor=actor_for(users[3]), window="all", count=3)
    assert len(board["rows"]) == 3
    assert (board["viewer_rank"], board["viewer_points"]) == (8, 2)
    nobody = selectors.people_board(actor=actor_for(users[4]), window="all")
    assert nobody["viewer_rank"] is None


def test_a_window_can_go_negative_and_later_awards_still_add_up(redis_timelines, league):
    """Content from last week deleted today: today's total is negative; a rebuild must
    keep it, or the next awards would be counted from zero in Redis."""
    users, *_ = league
    user = users[3]
    PointPeriodTotal.objects.filter(user=user, period="day").update(total=-2)
    PointBalance.objects.filter(user=user).update(total=0)
    boards.rebuild()
    give(user, 2, tag="after")  # +4: today's net is 2
    assert boards.rank_of(user_id=user.pk, window="day") == boards.rank_of(
        user_id=user.pk, window="day", use_redis=False)
    assert ranking(window="day") == ranking(window="day", use_redis=False)

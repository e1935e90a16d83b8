"""A board update runs after its change commits: a process that dies in between must
not leave the board wrong for good. Its in-flight entry outlives it, and once the
grace period is over the next read marks its boards for rebuild (never counts)."""

from contextlib import contextmanager

import pytest
from django.db import connection, transaction
from django_tasks_db.models import DBTaskResult

from feeds import boards as group_boards
from feeds import services as feed_services
from resources import boards as resource_boards
from resources import services as resource_services
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from tests.resources.test_services import publish
from yiban_core.credits import board_store, boards, services

pytestmark = pytest.mark.django_db(transaction=True)


def give(user, times: int, tag: str, rule: str = "post_published"):
    for i in range(times):
        services.award(user_id=user.pk, rule=rule, key=f"{tag}{user.pk}:{i}")


def people(**kw):
    return [(r.user_id, r.points) for r in boards.top(**kw)]


def queued(name: str) -> int:
    return DBTaskResult.objects.filter(task_path__endswith=name, status="READY").count()


@contextmanager
def dying_after_commit():
    """The block's transaction commits, then the process dies before its commit hooks."""
    with transaction.atomic():
        yield
        connection.run_on_commit.clear()


@pytest.fixture
def grace_over(monkeypatch):
    return lambda: monkeypatch.setattr(board_store, "INFLIGHT_GRACE_S", 0)


@pytest.fixture
def league():
    school = make_school("甲大学")
    users = [make_user(f"player{i}", school=school) for i in range(3)]
    give(users[0], 3, "a", rule="resource_shared")  # 30 points
    give(users[1], 4, "a")  # 8
    boards.rebuild()
    return users


@pytest.mark.parametrize("window", ["day", "all"])
def test_points_whose_board_update_died_with_the_process_rank_after_the_grace_period(
        redis_timelines, run_worker, grace_over, league, window):
    users = league
    with dying_after_commit():
        give(users[2], 5, "lost", rule="resource_shared")  # 50 points: first place
    expected = people(window=window, use_redis=False)
    assert expected[0] == (users[2].pk, 50)
    # Within the grace period the update may still be on its way: the board is left be.
    assert people(window=window) == [(users[0].pk, 30), (users[1].pk, 8)]

    grace_over()
    assert people(window=window) == expected
    assert boards.rank_of(user_id=users[2].pk, window=window) == (1, 50)
    school = users[0].school_id
    assert people(window=window, school_id=school) == expected
    assert queued("rebuild_missing_boards") == 1
    assert redis_timelines.zcard(board_store.INFLIGHT) == 0

    run_worker()
    key = boards._key("site", window)
    assert board_store.top(key, 10) == [(u, float(p)) for u, p in expected]  # from Redis
    give(users[1], 1, "later")  # and it follows the awards again
    assert board_store.top(key, 10)[1] == (users[0].pk, 30.0)
    assert people(window=window) == people(window=window, use_redis=False)


def test_group_and_resource_boards_recover_from_a_lost_update(redis_timelines, run_worker,
                                                              grace_over):
    owner = verify(make_user(school=make_school()))
    busy = make_interest_group(owner, name="摄影社")
    quiet = make_interest_group(owner, name="书法社")
    feed_services.publish_post(actor=actor_for(owner), text="作品", group=busy)
    popular, other = publish(owner), publish(owner, title="线性代数笔记")
    reader = verify(make_user(school=owner.school))
    resource_services.record_download(actor=actor_for(reader), resource_id=popular.pk)
    boards.rebuild_all()

    with dying_after_commit():
        for i in range(2):
            feed_services.publish_post(actor=actor_for(owner), text=f"书法{i}", group=quiet)
    for who in (owner, verify(make_user(school=owner.school))):
        with dying_after_commit():
            resource_services.record_download(actor=actor_for(who), resource_id=other.pk)

    grace_over()
    assert group_boards.top(window="week") == [(quiet.pk, 2), (busy.pk, 1)]
    assert resource_boards.top(metric="downloads", window="day") == [(other.pk, 2),
                                                                       (popular.pk, 1)]
    run_worker()
    group_key = group_boards._key("site", "week")
    resource_key = resource_boards._key("downloads", "site", "day")
    assert board_store.top(group_key, 10) == [(quiet.pk, 2.0), (busy.pk, 1.0)]
    assert board_store.top(resource_key, 10) == [(other.pk, 2.0), (popular.pk, 1.0)]


def test_updates_that_land_leave_nothing_in_flight(redis_timelines, grace_over, league):
    users = league
    give(users[2], 2, "fine")
    owner = verify(make_user(school=make_school()))
    feed_services.publish_post(actor=actor_for(owner), text="作品",
                               group=make_interest_group(owner, name="摄影社"))
    assert redis_timelines.zcard(board_store.INFLIGHT) == 0

    grace_over()  # nothing to sweep: the board stays complete and is read from Redis
    ranking = people(window="all")
    assert ranking[:3] == [(users[0].pk, 30), (users[1].pk, 8), (users[2].pk, 4)]
    assert ranking == people(window="all", use_redis=False)
    assert redis_timelines.zscore(boards._key("site", "all"), board_store.COMPLETE) == 0
    assert queued("rebuild_missing_boards") == 0


def test_a_rolled_back_award_leads_to_a_rebuild_never_to_a_count(redis_timelines, run_worker,
                                                                grace_over, league):
    users = league
    with pytest.raises(RuntimeError), transaction.atomic():
        give(users[2], 5, "undone", rule="resource_shared")
        raise RuntimeError("the request failed after booking the points")

    grace_over()
    assert people(window="all") == [(users[0].pk, 30), (users[1].pk, 8)]
    assert boards.rank_of(user_id=users[2].pk, window="all") == (None, 0)
    run_worker()
    assert board_store.top(boards._key("site", "all"), 10) == [(users[0].pk, 30.0),
                                                                (users[1].pk, 8.0)]


def test_an_update_landing_after_the_sweep_does_not_count_twice(redis_timelines, run_worker,
                                                                grace_over, monkeypatch,
                                                                league):
    users = league
    apply, held = board_store.increment, []
    monkeypatch.setattr(board_store, "increment",
                        lambda *args, **kwargs: held.append((args, kwargs)))
    give(users[1], 3, "slow", rule="resource_shared")  # committed; its update is very late
    monkeypatch.setattr(board_store, "increment", apply)
    expected = [(users[1].pk, 38), (users[0].pk, 30)]
    assert people(window="all", use_redis=False) == expected

    grace_over()
    assert people(window="all") == expected  # swept: from the database
    run_worker()  # rebuilt: the points are in the board
    for args, kwargs in held:  # then the late update lands
        apply(*args, **kwargs)

    assert people(window="all") == expected  # not 68
    run_worker()
    assert board_store.top(boards._key("site", "all"), 10) == [(u, float(p))
                                                                for u, p in expected]
    assert redis_timelines.zcard(board_store.INFLIGHT) == 0

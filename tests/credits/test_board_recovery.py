"""Leaderboards after Redis lost its data, or refused an update: a board that is not
known complete is read from the database and rebuilt in the background; increments
never grow a partial board that reads as complete; an update Redis refused marks
the board for rebuild instead of being lost. People, group and resource boards."""

import pytest
from django_tasks_db.models import DBTaskResult

from feeds import boards as group_boards
from feeds import services as feed_services
from resources import boards as resource_boards
from resources import services as resource_services
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from tests.resources.test_services import publish
from yiban_core import redis as accelerator
from yiban_core.credits import board_store, boards, services

pytestmark = pytest.mark.django_db(transaction=True)


def give(user, times: int, tag: str = "", rule: str = "post_published"):
    for i in range(times):
        services.award(user_id=user.pk, rule=rule, key=f"{tag}{user.pk}:{i}")


def people(**kw):
    return [(r.user_id, r.points) for r in boards.top(**kw)]


def queued(name: str) -> int:
    return DBTaskResult.objects.filter(task_path__endswith=name, status="READY").count()


@pytest.fixture
def league():
    school = make_school("甲大学")
    users = [make_user(f"player{i}", school=school) for i in range(4)]
    give(users[0], 3, rule="resource_shared")  # 30 points
    give(users[1], 3)  # 6
    give(users[2], 4)  # 8
    return users


@pytest.mark.parametrize("window", ["day", "all"])
def test_after_redis_restarts_empty_boards_read_the_database_and_rebuild(
        redis_timelines, run_worker, league, window):
    users = league
    boards.rebuild()
    redis_timelines.flushdb()  # Redis came back empty
    give(users[3], 1, tag="after")  # 2 points: with ZINCRBY alone, the only entry

    expected = people(window=window, use_redis=False)
    assert expected[0][0] == users[0].pk
    assert people(window=window) == expected
    assert boards.rank_of(user_id=users[3].pk, window=window) == (4, 2)
    assert queued("rebuild_missing_boards") == 1  # however many reads noticed

    run_worker()
    key = boards._key("site", window)
    assert board_store.top(key, 10) == [(u, float(p)) for u, p in expected]  # from Redis
    give(users[3], 10, tag="later")  # a complete board follows the awards again
    assert board_store.top(key, 10) is not None
    assert people(window=window) == people(window=window, use_redis=False)


def test_group_and_resource_boards_rebuild_after_redis_restarts_empty(redis_timelines,
                                                                     run_worker):
    owner = verify(make_user(school=make_school()))
    busy = make_interest_group(owner, name="摄影社")
    quiet = make_interest_group(owner, name="书法社")
    for i in range(3):
        feed_services.publish_post(actor=actor_for(owner), text=f"作品{i}", group=busy)
    popular, other = publish(owner), publish(owner, title="线性代数笔记")
    for _ in range(2):
        reader = verify(make_user(school=owner.school))
        resource_services.record_download(actor=actor_for(reader), resource_id=popular.pk)
    boards.rebuild_all()
    redis_timelines.flushdb()

    feed_services.publish_post(actor=actor_for(owner), text="新作品", group=quiet)
    resource_services.record_download(actor=actor_for(owner), resource_id=other.pk)

    assert group_boards.top(window="week") == [(busy.pk, 3), (quiet.pk, 1)]
    assert resource_boards.top(metric="downloads", window="day") == [(popular.pk, 2),
                                                                       (other.pk, 1)]
    run_worker()
    group_key = group_boards._key("site", "week")
    resource_key = resource_boards._key("downloads", "site", "day")
    assert board_store.top(group_key, 10) == [(busy.pk, 3.0), (quiet.pk, 1.0)]
    assert board_store.top(resource_key, 10) == [(popular.pk, 2.0), (other.pk, 1.0)]


def test_an_update_redis_refused_marks_the_board_for_rebuild(redis_timelines, run_worker,
                                                             settings, league):
    users = league
    boards.rebuild()
    key = boards._key("site", "all")

    # Redis unreachable while points are booked: the award commits, the board update fails.
    real_redis = settings.ACCELERATOR_REDIS_URL
    settings.ACCELERATOR_REDIS_URL = "redis://127.0.0.1:1/0"
    accelerator._client.cache_clear()
    give(users[1], 5, tag="outage", rule="resource_shared")  # 56 points: first place
    settings.ACCELERATOR_REDIS_URL = real_redis
    accelerator._client.cache_clear()
    assert queued("repair_boards") >= 1

    run_worker()  # Redis answers again: the stale board is no longer taken as complete
    expected = people(window="all", use_redis=False)
    assert expected[0][0] == users[1].pk
    assert people(window="all") == expected
    run_worker()  # and it is rebuilt
    assert board_store.top(key, 10) == [(u, float(p)) for u, p in expected]


def test_a_repair_while_redis_is_still_down_is_enqueued_again(redis_timelines, run_worker,
                                                              settings, league):
    users = league
    settings.ACCELERATOR_REDIS_URL = "redis://127.0.0.1:1/0"
    accelerator._client.cache_clear()
    give(users[2], 1, tag="outage")
    run_worker()
    # The first attempt failed too: a later one waits in the queue, with back-off.
    waiting = DBTaskResult.objects.get(task_path__endswith="repair_boards", status="READY")
    assert waiting.args_kwargs["kwargs"]["attempt"] == 1


def test_increments_leave_an_incomplete_board_incomplete(redis_timelines, league):
    users = league
    give(users[3], 2, tag="fresh")
    key = boards._key("site", "all")
    assert redis_timelines.zscore(key, board_store.COMPLETE) is None
    assert board_store.top(key, 10) is None

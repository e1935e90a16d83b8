"""A group's people board: a Redis board of its own, built when first read, kept by its
members' points and by people joining and leaving, rebuilt after Redis lost it; the
database answers meanwhile, and always without Redis. Both paths rank alike."""

import threading
import time

import pytest
from django.db import connection, transaction

from feeds import services as feed_services
from tests.factories import actor_for, make_interest_group, make_school, make_user
from yiban_core.credits import board_store, boards, selectors, services
from yiban_core.credits.windows import WINDOWS
from yiban_core.groups import services as group_services
from yiban_core.groups.models import JoinRequest

pytestmark = pytest.mark.django_db(transaction=True)


def give(user, times: int, tag: str = "", rule: str = "post_published"):
    for i in range(times):
        services.award(user_id=user.pk, rule=rule, key=f"{tag}{user.pk}:{i}")


def ranking(group, window="all", **kw):
    return [(r.user_id, r.points, r.rank)
            for r in boards.top(window=window, group_id=group.pk, **kw)]


def ranks(group, users, window="all", **kw):
    return {u.pk: boards.rank_of(user_id=u.pk, window=window, group_id=group.pk, **kw)
            for u in users}


def from_redis(group, window="all"):
    """The group's Redis board itself: None while it is not there or not complete."""
    found = board_store.top(boards._key(f"group{group.pk}", window), 100)
    return None if found is None else [(u, int(p)) for u, p in found]


def agrees(group, users) -> None:
    """Whatever answers (Redis or the database), it is what the database says."""
    for window in WINDOWS:
        assert ranking(group, window) == ranking(group, window, use_redis=False), window
        assert ranks(group, users, window) == ranks(group, users, window, use_redis=False)


@pytest.fixture
def club():
    """Six people of one school, four of them in a club; points with a tie."""
    school = make_school("甲大学")
    people = [make_user(f"member{i}", school=school) for i in range(6)]
    for person, shares in zip(people, [3, 5, 5, 1, 0, 4], strict=True):
        give(person, shares)
    group = make_interest_group(people[0], name="摄影社")
    for person in people[1:4]:
        group_services.join_group(actor=actor_for(person), group=group)
    return group, people


def test_the_board_ranks_members_only_ties_to_the_lower_id(no_redis, club):
    group, people = club
    assert ranking(group) == [(people[1].pk, 10, 1), (people[2].pk, 10, 2),
                              (people[0].pk, 6, 3), (people[3].pk, 2, 4)]
    assert boards.rank_of(user_id=people[3].pk, window="all", group_id=group.pk) == (4, 2)
    assert boards.rank_of(user_id=people[5].pk, window="all", group_id=group.pk) == (None, 0)


def test_without_redis_joins_and_leaves_move_the_board(no_redis, club):
    group, people = club
    group_services.join_group(actor=actor_for(people[5]), group=group)  # 8 points
    group_services.leave_group(actor=actor_for(people[1]), group=group)
    assert [u for u, *_ in ranking(group)] == [people[2].pk, people[5].pk, people[0].pk,
                                               people[3].pk]
    board = selectors.people_board(actor=actor_for(people[5]), window="all", group=group)
    assert (board["viewer_rank"], board["viewer_points"]) == (2, 8)


def test_first_read_asks_the_database_then_the_board_is_built(redis_timelines, run_worker,
                                                             club):
    group, people = club
    expected = ranking(group, use_redis=False)
    assert ranking(group) == expected  # the database answers while the board is missing
    assert from_redis(group) is None
    run_worker()  # the rebuild the read asked for
    assert from_redis(group) == [(u, p) for u, p, _r in expected]
    agrees(group, people)


@pytest.fixture
def built(redis_timelines, run_worker, club):
    group, people = club
    for window in WINDOWS:
        ranking(group, window)
    run_worker()
    assert all(from_redis(group, window) is not None for window in WINDOWS)
    return group, people


def test_points_move_the_group_board(built):
    group, people = built
    give(people[3], 1, tag="more", rule="resource_shared")  # 2 + 10: first place
    give(people[5], 2, tag="more", rule="resource_shared")  # not a member: stays off
    assert from_redis(group)[0] == (people[3].pk, 12)
    assert people[5].pk not in dict(from_redis(group))
    agrees(group, people)


def test_a_joiner_brings_their_points_a_leaver_takes_them(built):
    group, people = built
    group_services.join_group(actor=actor_for(people[5]), group=group)  # 8 points
    group_services.join_group(actor=actor_for(people[4]), group=group)  # no points: unranked
    assert dict(from_redis(group))[people[5].pk] == 8
    agrees(group, people)

    group_services.leave_group(actor=actor_for(people[1]), group=group)
    owner = actor_for(people[0])
    group_services.remove_member(actor=owner, group=group, username=people[2].username)
    assert [u for u, _p in from_redis(group)] == [people[5].pk, people[0].pk, people[3].pk]
    assert boards.rank_of(user_id=people[1].pk, window="all", group_id=group.pk) == (None, 0)
    agrees(group, people)

    give(people[1], 1, tag="after", rule="resource_shared")  # a former member's: not here
    give(people[5], 1, tag="after", rule="resource_shared")
    assert dict(from_redis(group))[people[5].pk] == 18
    group_services.join_group(actor=actor_for(people[1]), group=group)  # back, with 20
    assert from_redis(group)[:2] == [(people[1].pk, 20), (people[5].pk, 18)]
    agrees(group, people)


def test_a_deleted_posts_points_leave_the_group_board_too(built):
    group, people = built
    post = feed_services.publish_post(actor=actor_for(people[3]), text="今天的晚霞")
    assert dict(from_redis(group))[people[3].pk] == 4
    feed_services.delete_post(actor=actor_for(people[3]), post_id=post.pk)
    assert dict(from_redis(group))[people[3].pk] == 2
    agrees(group, people)


def test_many_joiners_at_once_are_all_counted(redis_timelines, run_worker, club):
    _group, people = club
    school = people[0].school
    group = make_interest_group(people[0], name="考研交流群", join_policy="approval")
    ranking(group)
    run_worker()
    newcomers = [make_user(f"new{i}", school=school) for i in range(3)]
    for i, person in enumerate(newcomers):
        give(person, i + 1, tag="new")
    joiners = [*newcomers, people[4], people[5]]
    for person in joiners:
        group_services.request_to_join(actor=actor_for(person), group=group)
    # One MembershipsChanged for the batch, as a roster sync sends.
    pending = JoinRequest.objects.filter(group=group, user__in=joiners)
    group_services.decide_requests(actor=actor_for(people[0]), group=group,
                                   request_ids=[r.pk for r in pending], approve=True)
    assert [u for u, _p in from_redis(group)] == [people[5].pk, people[0].pk,
                                                  newcomers[2].pk, newcomers[1].pk,
                                                  newcomers[0].pk]
    agrees(group, people + newcomers)


def test_after_redis_lost_everything_the_database_answers_and_the_board_returns(
        built, redis_timelines, run_worker):
    group, people = built
    redis_timelines.flushdb()
    group_services.join_group(actor=actor_for(people[5]), group=group)
    give(people[3], 1, tag="lost", rule="resource_shared")
    agrees(group, people)  # from the database meanwhile
    assert from_redis(group) is None
    run_worker()
    assert from_redis(group) == [(u, p) for u, p, _r in ranking(group, use_redis=False)]
    group_services.leave_group(actor=actor_for(people[3]), group=group)
    agrees(group, people)


def test_rebuild_leaderboards_rebuilds_the_group_boards_redis_holds(built, redis_timelines):
    group, people = built
    key = boards._key(f"group{group.pk}", "week")
    redis_timelines.zincrby(key, -50, board_store.member(people[4].pk))  # gone wrong
    assert boards.rebuild_all()["people in groups"] == len(WINDOWS)
    assert from_redis(group, "week") == [(u, p) for u, p, _r in
                                         ranking(group, "week", use_redis=False)]


def test_a_deleted_groups_boards_are_dropped(built, redis_timelines):
    group, people = built
    key = boards._key(f"group{group.pk}", "all")
    assert redis_timelines.exists(key)
    group_services.delete_group(actor=actor_for(people[0]), group=group)
    assert not redis_timelines.exists(key)
    give(people[1], 1, tag="after", rule="resource_shared")  # its former members' points go nowhere
    assert not redis_timelines.exists(key)


def _in_thread(work, **kw) -> threading.Thread:
    def run():
        try:
            work(**kw)
        finally:
            connection.close()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' "
                       "AND datname = current_database()")
        return cursor.fetchone()[0] > 0


# Row locks between two transactions at once: SQLite runs one writer at a time anyway.
@pytest.mark.postgresql
@pytest.mark.parametrize("first", ["award", "join"])
def test_a_join_racing_an_award_counts_the_points_once(built, first):
    group, people = built
    person = people[5]  # 8 points, not a member yet
    started, finish = threading.Event(), threading.Event()

    def award():
        services.award(user_id=person.pk, rule="resource_shared", key="race")

    def join():
        group_services.join_group(actor=actor_for(person), group=group)

    def held_open(step):  # the step's transaction stays open until `finish`
        with transaction.atomic():
            step()
            started.set()
            finish.wait(10)

    holder = _in_thread(held_open, step=award if first == "award" else join)
    assert started.wait(10)
    other = _in_thread(join if first == "award" else award)
    deadline = time.monotonic() + 10  # until it waits for the first one (or is done)
    while other.is_alive() and not _waiting_for_a_lock() and time.monotonic() < deadline:
        time.sleep(0.01)
    finish.set()
    holder.join(10)
    other.join(10)
    assert dict(from_redis(group))[person.pk] == 18
    agrees(group, people)

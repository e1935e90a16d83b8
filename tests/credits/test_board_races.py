"""A board update that lands after a rebuild which already read its change from the
database must not count it twice (board_store's generations): people, group and
resource boards."""

from contextlib import contextmanager

import pytest
from django.db import transaction

from feeds import boards as group_boards
from feeds import services as feed_services
from resources import boards as resource_boards
from resources import services as resource_services
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from tests.resources.test_services import publish
from yiban_core.credits import board_store, boards, services

pytestmark = pytest.mark.django_db(transaction=True)


def give(user, times: int, tag: str):
    for i in range(times):
        services.award(user_id=user.pk, rule="post_published", key=f"{tag}{user.pk}:{i}")


def people(**kw):
    return [(r.user_id, r.points) for r in boards.top(**kw)]


@pytest.fixture
def held_updates(monkeypatch):
    """Within `with held_updates():`, board updates are held back after their commit;
    the block's result lets them go."""
    apply = board_store.increment

    @contextmanager
    def hold():
        held = []
        monkeypatch.setattr(board_store, "increment",
                            lambda *args, **kwargs: held.append((args, kwargs)))
        try:
            yield lambda: [apply(*args, **kwargs) for args, kwargs in held]
        finally:
            monkeypatch.setattr(board_store, "increment", apply)

    return hold


@pytest.mark.parametrize("window", ["day", "all"])
def test_an_update_landing_after_a_rebuild_that_saw_its_point_counts_once(
        redis_timelines, run_worker, held_updates, window):
    school = make_school("甲大学")
    li, wang = make_user("li_hua", school=school), make_user("wang_fang", school=school)
    give(li, 3, "before")  # 6 points
    give(wang, 2, "before")  # 4 points
    boards.rebuild()
    assert people(window=window) == [(li.pk, 6), (wang.pk, 4)]

    with held_updates() as land:
        with transaction.atomic():
            give(wang, 2, "race")  # committed, its board update still on its way ...
        boards.rebuild()  # ... when a rebuild reads the ledger, points included
    land()  # then the update lands

    assert people(window=window) == [(wang.pk, 8), (li.pk, 6)]  # not 12
    assert boards.rank_of(user_id=wang.pk, window=window) == (1, 8)
    assert people(window=window, school_id=school.pk) == [(wang.pk, 8), (li.pk, 6)]
    run_worker()  # the board it left incomplete is rebuilt, and counts once
    key = boards._key("site", window)
    assert board_store.top(key, 10) == [(wang.pk, 8.0), (li.pk, 6.0)]


def test_updates_after_a_rebuild_still_apply_in_redis(redis_timelines, run_worker):
    li, wang = make_user("li_hua"), make_user("wang_fang")
    give(li, 3, "before")
    boards.rebuild()
    give(wang, 4, "after")  # transactions that began after the rebuild
    key = boards._key("site", "all")
    assert board_store.top(key, 10) == [(wang.pk, 8.0), (li.pk, 6.0)]  # complete, from Redis


def test_group_and_resource_boards_count_a_racing_update_once(
        redis_timelines, run_worker, held_updates):
    owner = verify(make_user(school=make_school()))
    club = make_interest_group(owner, name="摄影社")
    notes = publish(owner)
    feed_services.publish_post(actor=actor_for(owner), text="作品0", group=club)
    boards.rebuild_all()

    with held_updates() as land:
        feed_services.publish_post(actor=actor_for(owner), text="作品1", group=club)
        reader = verify(make_user(school=owner.school))
        resource_services.record_download(actor=actor_for(reader), resource_id=notes.pk)
        boards.rebuild_all()
    land()

    assert group_boards.top(window="week") == [(club.pk, 2)]
    assert resource_boards.top(metric="downloads", window="day") == [(notes.pk, 1)]
    run_worker()
    assert board_store.top(group_boards._key("site", "week"), 10) == [(club.pk, 2.0)]
    assert board_store.top(resource_boards._key("downloads", "site", "day"), 10) == [
        (notes.pk, 1.0)]

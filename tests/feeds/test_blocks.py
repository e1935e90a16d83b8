"""Blocks (拉黑) in the home timeline: the blocked person's posts leave the blocker's home
page at once, on the Redis cards and on the database alike, and come back when lifted."""

from contextlib import contextmanager

import pytest

from feeds import selectors, services, timeline_store
from tests.factories import actor_for, make_interest_group, make_school, make_user
from yiban_core import redis as accelerator
from yiban_core.accounts import services as account_services
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db(transaction=True)  # the worker commits


def home(user) -> list[str]:
    return [post.text for post in selectors.home_timeline(actor=actor_for(user),
                                                          first=20).items]


@contextmanager
def without_redis(settings):
    url = settings.ACCELERATOR_REDIS_URL
    settings.ACCELERATOR_REDIS_URL = ""
    accelerator._client.cache_clear()
    try:
        yield
    finally:
        settings.ACCELERATOR_REDIS_URL = url
        accelerator._client.cache_clear()


def test_blocking_takes_the_blocked_persons_posts_out_of_both_home_timelines(
        redis_timelines, run_worker, settings):
    school = make_school("四川大学")
    me = make_user("me_student", school=school)
    rude, friend = make_user("rude_one", school=school), make_user("friend", school=school)
    group = make_interest_group(friend, name="羽毛球社")
    for person in (me, rude):
        group_services.join_group(actor=actor_for(person), group=group)
    account_services.follow(actor=actor_for(me), username="rude_one")
    services.publish_post(actor=actor_for(rude), text="群里的广告", group=group,
                          visibility="group")
    services.publish_post(actor=actor_for(rude), text="关注者看的动态")
    services.publish_post(actor=actor_for(friend), text="周六打球", group=group,
                          visibility="group")
    run_worker()  # fan-out to the timelines in Redis
    assert home(me) == ["周六打球", "关注者看的动态", "群里的广告"]
    home(me)  # warm: the cards hold my sources now

    account_services.block_user(actor=actor_for(me), username="rude_one")
    # At once: the block forgot my sources' card (the warm path with blocks read from
    # the cards is held to the database's pages in test_visibility.py).
    from_redis = home(me)
    assert from_redis == ["周六打球"]
    with without_redis(settings):
        assert home(me) == from_redis  # the database path agrees

    # While blocked, a new post of theirs is not even fanned out to me (nor announced live).
    home(friend)
    run_worker()  # the friend's timeline is built: fan-out reaches it
    later = services.publish_post(actor=actor_for(rude), text="又一条广告", group=group,
                                  visibility="group")
    run_worker()
    assert str(later.pk).encode() not in redis_timelines.zrange(timeline_store.key(me.pk), 0, -1)
    assert str(later.pk).encode() in redis_timelines.zrange(timeline_store.key(friend.pk), 0, -1)
    assert home(me) == ["周六打球"]

    account_services.unblock_user(actor=actor_for(me), username="rude_one")
    # Their group posts are back, on both paths (the timeline is rebuilt); the follow ended
    # with the block, so their other posts are not.
    assert home(me) == ["又一条广告", "周六打球", "群里的广告"]
    run_worker()  # the rebuild
    assert home(me) == ["又一条广告", "周六打球", "群里的广告"]
    with without_redis(settings):
        assert home(me) == ["又一条广告", "周六打球", "群里的广告"]

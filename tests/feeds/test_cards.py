"""The home timeline read from the Redis cards: a warm page runs no SQL, and after every
kind of change the Redis page is the database's page, at once."""

import time

import pytest

from feeds import selectors, services
from feeds.models import Visibility
from feeds.timeline_rebuild import rebuild_home_timeline
from tests.factories import actor_for, make_user
from tests.feeds.test_api import png
from tests.feeds.test_timelines import build_network, publish
from yiban_core import redis as accelerator
from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Membership

pytestmark = pytest.mark.django_db(transaction=True)


def card_view(page) -> list[dict]:
    """Everything a card shows, for every post of a page."""
    return [{"id": p.pk, "text": p.text, "visibility": p.visibility, "at": p.created_at,
             "author": p.author.username, "name": p.author.display_name,
             "avatar": bool(p.author.profile.avatar),
             "counts": (p.like_count, p.comment_count, p.repost_count),
             "group": p.group.name if p.group else None,
             "images": [i.image.name for i in p.image_list()],
             "original": p.repost_of_id and (p.repost_of_id, p.repost_of.text,
                                             p.repost_of.author.display_name)}
            for p in page.items]


@pytest.fixture
def network(redis_timelines, settings):
    settings.FEED_CARD_TOMBSTONE_S = 1
    me, friend, stranger, klass, _club = build_network()
    pictured = publish(friend, "带图的", images=[png(), png("b.png")])
    original = publish(stranger, "被转发的原文")
    services.repost(actor=actor_for(friend), post_id=original.pk, text="转发一下")
    rebuild_home_timeline.call(user_id=me.pk)
    time.sleep(1.1)  # the writes' tombstones run out: the cards can be filled
    return me, friend, stranger, klass, pictured, original


def both_paths(user, settings, first=30):
    """(the Redis page, the database page) of the user's home timeline."""
    on_redis = card_view(selectors.home_timeline(actor=actor_for(user), first=first))
    url = settings.ACCELERATOR_REDIS_URL
    settings.ACCELERATOR_REDIS_URL = ""
    accelerator._client.cache_clear()
    try:
        on_db = card_view(selectors.home_timeline(actor=actor_for(user), first=first))
    finally:
        settings.ACCELERATOR_REDIS_URL = url
        accelerator._client.cache_clear()
    return on_redis, on_db


def test_a_warm_home_page_runs_no_sql_and_shows_what_the_database_shows(
    network, settings, run_worker, django_assert_num_queries
):
    me, *_rest = network
    both_paths(me, settings)  # the first read fills the cards ...
    run_worker()  # ... and has the school channel's Redis timeline built
    on_redis, on_db = both_paths(me, settings)
    with django_assert_num_queries(0):
        warm = card_view(selectors.home_timeline(actor=actor_for(me), first=30))
    assert warm == on_redis == on_db
    assert any(len(card["images"]) == 2 for card in warm)
    assert any(card["original"] and card["original"][1:] == ("被转发的原文", "stranger")
               for card in warm)


def test_an_unverified_account_of_the_school_sees_no_school_posts_on_either_path(
    network, settings
):
    """`newcomer` picked the school and follows `friend`, unverified: the cards' rule in
    Python and the database's rule both keep the school-only post from it."""
    me = network[0]
    newcomer = User.objects.get(username="newcomer")
    rebuild_home_timeline.call(user_id=newcomer.pk)
    both_paths(newcomer, settings)  # the first read fills the cards
    on_redis, on_db = both_paths(newcomer, settings)
    assert on_redis == on_db
    assert "朋友的动态0" in {card["text"] for card in on_redis}
    assert "本校可见" not in {card["text"] for card in on_redis}
    mine, mine_db = both_paths(me, settings)
    assert mine == mine_db and "本校可见" in {card["text"] for card in mine}


def test_every_change_reaches_a_warm_page_at_once(network, settings):
    me, friend, stranger, klass, pictured, original = network
    both_paths(me, settings)
    fan = make_user("fan", school=me.school)

    def agree() -> list[tuple]:
        on_redis, on_db = both_paths(me, settings)
        assert on_redis == on_db
        return on_redis

    def card_of(post_id):
        return next((card for card in agree() if card["id"] == post_id), None)

    services.like_post(actor=actor_for(fan), post_id=pictured.pk)
    services.add_comment(actor=actor_for(fan), post_id=pictured.pk, text="好看")
    assert card_of(pictured.pk)["counts"] == (1, 1, 0)
    services.edit_post(actor=actor_for(friend), post_id=pictured.pk, text="改过的")
    assert card_of(pictured.pk)["text"] == "改过的"
    account_services.update_profile(actor=actor_for(friend), display_name="新名字",
                                    avatar=png("face.png"))
    assert (card_of(pictured.pk)["name"], card_of(pictured.pk)["avatar"]) == ("新名字", True)
    group_services.update_group(actor=actor_for(klass.owner), group=klass, name="改名的班级")
    assert "改名的班级" in {card["group"] for card in agree()}

    # The repost's card and its original's author's card are forgotten together: the
    # repost, read from the database, names an original whose author must be read too.
    repost = next(card for card in agree()
                  if card["original"] and card["original"][1] == "被转发的原文")
    services.like_post(actor=actor_for(fan), post_id=repost["id"])
    account_services.update_profile(actor=actor_for(stranger), display_name="原作者")
    assert card_of(repost["id"])["original"][2] == "原作者"

    # The original of a repost is deleted: the repost stays, without it.
    services.delete_post(actor=actor_for(stranger), post_id=original.pk)
    assert card_of(repost["id"])["original"] is None

    # Narrowed, then deleted.
    services.edit_post(actor=actor_for(friend), post_id=pictured.pk,
                       visibility=Visibility.FOLLOWERS)
    assert card_of(pictured.pk) is not None  # me follows friend
    account_services.unfollow(actor=actor_for(me), username="friend")
    assert card_of(pictured.pk) is None
    account_services.follow(actor=actor_for(me), username="friend")
    services.delete_post(actor=actor_for(friend), post_id=pictured.pk)
    assert card_of(pictured.pk) is None

    # Removed from the class in bulk, as a roster sync does.
    assert any(card["group"] == "改名的班级" for card in agree())
    gone = list(Membership.objects.filter(group=klass, user=me))
    group_services.remove_members_in_bulk(actor=Actor(school=klass.school), school=klass.school,
                                          members=gone)
    assert not any(card["group"] == "改名的班级" for card in agree())


def test_a_card_filled_before_a_change_committed_is_not_kept(network, settings):
    """A reader that read the row before the change committed cannot put it back: the
    forgotten entry is a tombstone while the change lands."""
    me, friend, _stranger, _klass, pictured, _original = network
    from feeds import cards

    stale = cards._load_posts([pictured.pk])  # read before the change
    services.edit_post(actor=actor_for(friend), post_id=pictured.pk, text="新的")
    # ... and stores it after the change committed, as cards._fill does.
    accelerator.redis_client().set(cards._key(cards.POST, pictured.pk),
                                   cards._encode(cards.POST, stale[pictured.pk]), nx=True)
    on_redis, on_db = both_paths(me, settings)
    assert on_redis == on_db
    assert "新的" in [card["text"] for card in on_redis]


def test_with_redis_down_the_page_comes_from_the_database(network, settings):
    me, *_rest = network
    _on_redis, on_db = both_paths(me, settings)
    settings.ACCELERATOR_REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens there
    accelerator._client.cache_clear()
    assert card_view(selectors.home_timeline(actor=actor_for(me), first=30)) == on_db

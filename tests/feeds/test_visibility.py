"""The visibility table (feeds/visibility.py) says the rule once, as SQL and in Python:
for random posts, follows, memberships and school verifications, the home timeline read
from the Redis cards is the page the database gives, and every post is seen by the same
readers (people, anonymous visitors, school apps) either way. Posts are drawn in every
moderation state too: one held or removed is its author's only, on both paths."""

from contextlib import contextmanager

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feeds import selectors, timeline_store, visibility
from feeds.models import Post, Visibility
from feeds.timeline_rebuild import rebuild_home_timeline
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from yiban_core import redis as accelerator
from yiban_core.accounts.models import Follow
from yiban_core.actor import Actor
from yiban_core.groups.models import Membership
from yiban_core.moderation.models import ContentState

pytestmark = pytest.mark.django_db

PEOPLE, GROUPS = 4, 3
person = st.integers(0, PEOPLE - 1)


PAIRS = [(a, b) for a in range(PEOPLE) for b in range(PEOPLE) if a != b]
SEATS = [(a, g) for a in range(PEOPLE) for g in range(GROUPS)]


def _subset(items):
    """About half of `items` (a sparse draw would rarely meet the interesting cases)."""
    return st.lists(st.booleans(), min_size=len(items), max_size=len(items)).map(
        lambda picks: {item for item, pick in zip(items, picks, strict=True) if pick})


@st.composite
def worlds(draw):
    return {
        # (school: none, the first or the second; verified by it)
        "people": draw(st.lists(st.tuples(st.sampled_from([None, 0, 1]), st.booleans()),
                                min_size=PEOPLE, max_size=PEOPLE)),
        "groups": draw(st.lists(st.tuples(person, st.booleans()), min_size=1,
                                max_size=GROUPS)),
        "follows": draw(_subset(PAIRS)),
        "memberships": draw(_subset(SEATS)),
        "posts": draw(st.lists(st.tuples(person, st.sampled_from(Visibility.values),
                                         st.integers(0, GROUPS - 1),
                                         st.sampled_from(ContentState.values)),
                               min_size=4, max_size=14)),
        "viewer": draw(person),
    }


class _Undo(Exception):
    """Rolls an example back: the next one starts from an empty database."""


@contextmanager
def rolled_back():
    try:
        with transaction.atomic():
            yield
            raise _Undo
    except _Undo:
        pass


def build(world, schools):
    users = []
    for i, (school, verified) in enumerate(world["people"]):
        user = make_user(f"person{i}", school=None if school is None else schools[school])
        if school is not None and verified:
            user = verify(user)
        users.append(user)
    groups = [make_interest_group(users[owner], name=f"群{i}", is_private=private,
                                  join_policy="approval" if private else "open")
              for i, (owner, private) in enumerate(world["groups"])]
    for follower, followee in world["follows"]:
        Follow.objects.create(follower=users[follower], followee=users[followee])
    for member, group in world["memberships"]:
        if group < len(groups):
            Membership.objects.get_or_create(user=users[member], group=groups[group])
    for n, (author, kind, group, state) in enumerate(world["posts"]):
        if kind == Visibility.GROUP and group >= len(groups):
            continue
        Post.objects.create(author=users[author], text=f"动态{n}", visibility=kind,
                            group=groups[group] if kind == Visibility.GROUP else None,
                            school_id=users[author].school_id, moderation=state)
    return users, groups


def page_ids(user, first=50) -> list[int]:
    return [post.pk for post in selectors.home_timeline(actor=actor_for(user),
                                                        first=first).items]


@contextmanager
def without_redis(django_settings):
    url = django_settings.ACCELERATOR_REDIS_URL
    django_settings.ACCELERATOR_REDIS_URL = ""
    accelerator._client.cache_clear()
    try:
        yield
    finally:
        django_settings.ACCELERATOR_REDIS_URL = url
        accelerator._client.cache_clear()


def in_memory(actor: Actor) -> visibility.Reader:
    """The reader as the cards path holds it: sets, not subqueries."""
    user = actor.user
    if user is None:
        return selectors.reader_of(actor)
    return visibility.Reader(
        user_id=user.pk, school_id=user.verified_school_id,
        followee_ids=set(Follow.objects.filter(follower=user).values_list("followee_id",
                                                                          flat=True)),
        member_group_ids=set(Membership.objects.filter(user=user).values_list("group_id",
                                                                               flat=True)))


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
def test_the_redis_cards_and_the_database_give_the_same_home_page(world, redis_timelines,
                                                                   settings):
    cache.clear()  # nothing cached by an earlier example (ids may be used again)
    with rolled_back():
        schools = [make_school("甲大学"), make_school("乙学院")]
        users, _groups = build(world, schools)
        viewer = users[world["viewer"]]
        redis_timelines.flushdb()  # no tombstones of the writes above: cards can be filled
        rebuild_home_timeline.call(user_id=viewer.pk)
        # Every post, as if fanned out before the follows, memberships, verifications
        # and visibilities were what they are now: the cards' check must drop the rest.
        for pk in Post.objects.values_list("pk", flat=True):
            timeline_store.fan_out(pk, [timeline_store.key(viewer.pk)])
        page_ids(viewer)  # the first read fills the cards
        with CaptureQueriesContext(connection) as queries:
            from_cards = page_ids(viewer)
        assert len(queries) == 0  # the warm page came from the cards, checked in Python
        with without_redis(settings):
            from_db = page_ids(viewer)
        assert from_cards == from_db


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds())
def test_every_post_is_seen_by_the_same_readers_in_sql_and_in_python(world):
    with rolled_back():
        schools = [make_school("甲大学"), make_school("乙学院")]
        users, _groups = build(world, schools)
        readers = [actor_for(user) for user in users]
        readers += [Actor(), *(Actor(school=school) for school in schools)]
        posts = list(Post.objects.select_related("group"))
        for actor in readers:
            reader = in_memory(actor)
            in_python = {post.pk for post in posts
                         if visibility.admits(reader, post, post.group)}
            in_sql = set(Post.objects.filter(selectors.visible_q(actor))
                         .values_list("pk", flat=True))
            assert in_python == in_sql, (actor, world)

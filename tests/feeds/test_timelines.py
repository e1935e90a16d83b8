"""Home and other timelines: who sees what, and Redis and the database agree."""

import pytest

from feeds import selectors, services, timeline_store
from feeds.models import Visibility
from feeds.timeline_rebuild import rebuild_home_timeline
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import User
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group

pytestmark = pytest.mark.django_db(transaction=True)


def publish(user, text, **kwargs):
    return services.publish_post(actor=actor_for(user), text=text, **kwargs)


def texts(page):
    return [post.text for post in page.items]


def all_pages(read, size=3):
    seen, after = [], None
    while True:
        page = read(first=size, after=after)
        seen += [post.pk for post in page.items]
        if not page.has_next:
            return seen
        after = page.end_cursor


def build_network():
    """A school with an official group, a class, a private club, follows and many posts."""
    school = make_school("华南理工大学")
    staff = make_user("school_admin", school=school, role=User.Role.STAFF)
    school.administrators.add(staff)
    official = group_services.create_group(actor=actor_for(staff), name="华工官方",
                                           kind=Group.Kind.SCHOOL, school=school)
    teacher = make_teacher("teacher_li", school=school)
    klass = make_class_group(teacher, name="软件工程2024级2班")
    me = verify(make_user("me_student", school=school))
    group_services.join_by_code(actor=actor_for(me), code=klass.join_code)
    friend, stranger = verify(make_user("friend", school=school)), make_user("stranger")
    # Picked the school but is not verified by it: reads none of its school-only posts.
    newcomer = make_user("newcomer", school=school)
    account_services.follow(actor=actor_for(newcomer), username="friend")
    club = make_interest_group(friend, name="吉他社", is_private=True, join_policy="approval")
    secret = make_interest_group(stranger, name="秘密小组", is_private=True,
                                 join_policy="approval")
    account_services.follow(actor=actor_for(me), username="friend")
    for i in range(6):
        publish(friend, f"朋友的动态{i}")
        publish(stranger, f"陌生人的动态{i}")
        publish(teacher, f"班级通知{i}", group=klass)
        publish(stranger, f"秘密{i}", group=secret)
        publish(staff, f"学校公告{i}", group=official)
        publish(friend, f"吉他社内部{i}", group=club)
        publish(me, f"我自己的{i}", visibility=Visibility.FOLLOWERS)
    publish(friend, "只给粉丝", visibility=Visibility.FOLLOWERS)
    publish(friend, "本校可见", visibility=Visibility.SCHOOL)
    return me, friend, stranger, klass, club


def test_home_timeline_holds_follows_groups_and_the_school_channel(no_redis):
    me, *_rest = build_network()
    seen = set(texts(selectors.home_timeline(actor=actor_for(me), first=100)))
    assert {"朋友的动态0", "班级通知5", "学校公告3", "我自己的2", "只给粉丝", "本校可见"} <= seen
    assert not any(t.startswith(("陌生人", "秘密", "吉他社内部")) for t in seen)


def test_pages_are_newest_first_and_walk_everything_once(no_redis):
    me, *_rest = build_network()
    ids = all_pages(lambda **kw: selectors.home_timeline(actor=actor_for(me), **kw))
    assert ids == sorted(ids, reverse=True) and len(ids) == len(set(ids)) == 26


def test_redis_and_database_return_identical_pages(redis_timelines, run_worker, settings):
    settings.FEED_TIMELINE_CAP = 10  # so paging runs off the capped set into the database
    me, friend, *_rest = build_network()
    read = lambda **kw: selectors.home_timeline(actor=actor_for(me), **kw)  # noqa: E731

    # First read: no timeline in Redis yet, so the database answers and a rebuild is queued.
    assert timeline_store.is_missing(timeline_store.key(me.pk))
    from_db = all_pages(read)
    run_worker()
    assert not timeline_store.is_missing(timeline_store.key(me.pk))
    assert timeline_store.read(timeline_store.key(me.pk), before=None, count=5) is not None
    # Newer posts arrive by fan-out.
    for i in range(4):
        publish(friend, f"新动态{i}")
    run_worker()
    slice_ = timeline_store.read(timeline_store.key(me.pk), before=None, count=3)
    assert [p.text for p in selectors.visible_posts(actor=actor_for(me))
            .filter(pk__in=slice_.ids).order_by("-pk")] == ["新动态3", "新动态2", "新动态1"]
    from_redis = all_pages(read)

    settings.ACCELERATOR_REDIS_URL = ""
    from yiban_core import redis as accelerator

    accelerator._client.cache_clear()
    assert all_pages(read) == from_redis
    assert len(from_redis) == len(from_db) + 4


def test_redis_losing_its_keys_changes_nothing_but_speed(redis_timelines, run_worker):
    me, *_rest = build_network()
    rebuild_home_timeline.call(user_id=me.pk)
    before = all_pages(lambda **kw: selectors.home_timeline(actor=actor_for(me), **kw))
    redis_timelines.flushdb()
    after = all_pages(lambda **kw: selectors.home_timeline(actor=actor_for(me), **kw))
    assert before == after


def test_large_groups_are_merged_at_read_time(redis_timelines, run_worker, settings):
    settings.FEED_FANOUT_MAX_GROUP = 1  # the class (2 members) counts as large
    me, *_rest = build_network()
    rebuild_home_timeline.call(user_id=me.pk)
    staff = User.objects.get(username="school_admin")
    official = Group.objects.get(kind=Group.Kind.SCHOOL)
    fresh = publish(staff, "期末考试安排", group=official)
    run_worker()
    assert str(fresh.pk).encode() not in redis_timelines.zrange(timeline_store.key(me.pk), 0, -1)
    assert selectors.home_timeline(actor=actor_for(me), first=1).items == [fresh]
    teacher = User.objects.get(username="teacher_li")
    klass = Group.objects.get(kind=Group.Kind.CLASS)
    lesson = publish(teacher, "明天上机课", group=klass)
    run_worker()
    assert str(lesson.pk).encode() not in redis_timelines.zrange(timeline_store.key(me.pk), 0, -1)
    assert selectors.home_timeline(actor=actor_for(me), first=1).items == [lesson]


def test_a_group_merged_at_read_time_is_read_from_its_own_redis_timeline(
    redis_timelines, run_worker, settings
):
    settings.FEED_TIMELINE_CAP = 4  # so paging runs off the capped sets into the database
    me, *_rest = build_network()
    staff = User.objects.get(username="school_admin")
    official = Group.objects.get(kind=Group.Kind.SCHOOL)
    group_key = timeline_store.group_key(official.pk)
    read = lambda **kw: selectors.home_timeline(actor=actor_for(me), **kw)  # noqa: E731

    from_db = all_pages(read)  # nothing in Redis: the database answers
    run_worker()
    assert all_pages(read) == from_db  # the group's posts still from the database ...
    assert timeline_store.is_missing(group_key)
    run_worker()  # ... while its timeline is rebuilt
    assert not timeline_store.is_missing(group_key)
    fresh = publish(staff, "期末考试安排", group=official)
    run_worker()
    assert str(fresh.pk).encode() in redis_timelines.zrange(group_key, 0, -1)
    assert str(fresh.pk).encode() not in redis_timelines.zrange(timeline_store.key(me.pk), 0, -1)
    assert all_pages(read) == [fresh.pk, *from_db]


def test_only_active_users_are_fanned_out_to(redis_timelines, run_worker):
    me, friend, *_rest = build_network()
    run_worker()
    # Never read: nothing is written for them.
    assert timeline_store.is_missing(timeline_store.key(me.pk))
    publish(friend, "没人在线")
    run_worker()
    assert timeline_store.is_missing(timeline_store.key(me.pk))


@pytest.mark.parametrize("backend", ["no_redis", "redis_timelines"])
def test_leaving_unfollowing_deleting_and_narrowing_take_effect_at_once(
    backend, request, run_worker
):
    request.getfixturevalue(backend)
    me, friend, _stranger, klass, _club = build_network()
    if backend == "redis_timelines":
        rebuild_home_timeline.call(user_id=me.pk)
    open_post = publish(friend, "公开的")
    run_worker()

    def home():
        return set(texts(selectors.home_timeline(actor=actor_for(me), first=100)))

    assert {"公开的", "班级通知0"} <= home()
    group_services.leave_group(actor=actor_for(me), group=klass)
    account_services.unfollow(actor=actor_for(me), username="friend")
    seen = home()
    assert not any(t.startswith(("班级通知", "朋友的动态")) for t in seen)
    assert "公开的" not in seen

    account_services.follow(actor=actor_for(me), username="friend")
    assert "公开的" in home()
    services.edit_post(actor=actor_for(friend), post_id=open_post.pk,
                       visibility=Visibility.SCHOOL)
    assert "公开的" in home()
    # The school withdraws the verification: the school-only post goes at once.
    User.objects.filter(pk=me.pk).update(verified_at=None, member_number=None)
    me.refresh_from_db()
    assert "公开的" not in home()
    services.delete_post(actor=actor_for(friend), post_id=open_post.pk)
    assert "公开的" not in home()


def test_private_group_posts_reach_no_outsider_through_any_timeline(no_redis):
    _me, friend, stranger, _klass, club = build_network()
    outsider = actor_for(stranger)
    assert not any("吉他社内部" in t for t in texts(
        selectors.user_timeline(actor=outsider, user=friend, first=100)))
    with pytest.raises(PermissionDenied):
        selectors.group_timeline(actor=outsider, group=club, first=10)
    publish(friend, "#吉他# 内部练习", group=club)
    publish(friend, "#吉他# 公开演出")
    outsider_view = texts(selectors.topic_timeline(actor=outsider, name="吉他", first=10))
    assert outsider_view == ["#吉他# 公开演出"]
    member_view = texts(selectors.topic_timeline(actor=actor_for(friend), name="吉他", first=10))
    assert member_view == ["#吉他# 公开演出", "#吉他# 内部练习"]


def test_school_square_shows_public_and_own_school_posts(no_redis):
    me, _friend, stranger, *_ = build_network()
    school = me.school
    mine = set(texts(selectors.school_square(actor=actor_for(me), school=school, first=100)))
    assert {"本校可见", "朋友的动态0"} <= mine
    theirs = set(texts(selectors.school_square(actor=actor_for(stranger), school=school,
                                               first=100)))
    assert "本校可见" not in theirs and "朋友的动态0" in theirs
    assert "只给粉丝" not in theirs


@pytest.mark.parametrize("backend", ["no_redis", "redis_timelines"])
def test_school_posts_reach_verified_members_only(backend, request, run_worker):
    """An account that picked the school, unverified, follows the author: it gets the
    author's public posts and none of the school-only ones, in any timeline."""
    request.getfixturevalue(backend)
    me, friend, *_rest = build_network()
    newcomer = User.objects.get(username="newcomer")
    if backend == "redis_timelines":
        for user in (me, newcomer):
            rebuild_home_timeline.call(user_id=user.pk)
    publish(friend, "本校新通知", visibility=Visibility.SCHOOL)
    run_worker()

    def home(user):
        return set(texts(selectors.home_timeline(actor=actor_for(user), first=100)))

    def square(user):
        return set(texts(selectors.school_square(actor=actor_for(user), school=friend.school,
                                                 first=100)))

    assert {"本校可见", "本校新通知", "朋友的动态0"} <= home(me) & square(me)
    assert "朋友的动态0" in home(newcomer) & square(newcomer)
    assert not {"本校可见", "本校新通知"} & (home(newcomer) | square(newcomer))
    assert not {"本校可见", "本校新通知"} & set(texts(selectors.user_timeline(
        actor=actor_for(newcomer), user=friend, first=100)))


def test_a_member_verified_later_gets_the_school_posts_from_redis_too(redis_timelines,
                                                                     run_worker):
    """Fan-out skipped the school-only post while the reader was unverified (and this
    school has no official group to join): verification rebuilds the timeline."""
    school = make_school()
    author = verify(make_user("author", school=school))
    reader = make_user("reader", school=school)
    account_services.follow(actor=actor_for(reader), username="author")
    rebuild_home_timeline.call(user_id=reader.pk)
    publish(author, "早先的本校通知", visibility=Visibility.SCHOOL)
    publish(author, "公开的")
    run_worker()

    def home():
        return texts(selectors.home_timeline(actor=actor_for(reader), first=10))

    assert home() == ["公开的"]
    verify(reader)
    assert home() == ["公开的", "早先的本校通知"]


def test_a_forged_cursor_is_refused(no_redis):
    me, *_rest = build_network()
    with pytest.raises(Invalid):
        selectors.home_timeline(actor=actor_for(me), first=5, after="forged")

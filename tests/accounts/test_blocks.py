"""Blocks (拉黑): what a block ends and refuses, and the blocker's list."""

import pytest

from feeds import selectors as feed_selectors
from feeds import services as feed_services
from feeds.models import Comment, CommentLike, Post, PostLike
from tests.factories import actor_for, make_interest_group, make_school, make_user
from yiban_core.accounts import rules, selectors, services
from yiban_core.accounts.models import Block, Follow, User
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Invitation
from yiban_core.notifications.models import Notification
from yiban_core.pagination import paginate

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return make_school("浙江大学")


@pytest.fixture
def blocker(school):
    return make_user("blocker", school=school, display_name="林晓")


@pytest.fixture
def blocked(school):
    return make_user("blocked", school=school, display_name="赵强")


def block(blocker, blocked):
    return services.block_user(actor=actor_for(blocker), username=blocked.username)


def test_blocking_ends_follows_both_ways_and_they_stay_ended(blocker, blocked):
    services.follow(actor=actor_for(blocker), username=blocked.username)
    services.follow(actor=actor_for(blocked), username=blocker.username)
    block(blocker, blocked)
    assert not Follow.objects.filter(follower__in=[blocker, blocked]).exists()
    for person in (blocker, blocked):
        person.refresh_from_db()
        assert (person.follower_count, person.following_count) == (0, 0)
    services.unblock_user(actor=actor_for(blocker), username=blocked.username)
    assert not Block.objects.exists()
    assert not Follow.objects.exists()  # not given back by unblocking


def test_neither_may_follow_the_other_and_the_message_says_who_blocked(blocker, blocked):
    block(blocker, blocked)
    with pytest.raises(PermissionDenied, match="对方已将你拉黑"):
        services.follow(actor=actor_for(blocked), username=blocker.username)
    with pytest.raises(PermissionDenied, match="你已将对方拉黑"):
        services.follow(actor=actor_for(blocker), username=blocked.username)
    assert not Follow.objects.exists()
    services.unblock_user(actor=actor_for(blocker), username=blocked.username)
    services.follow(actor=actor_for(blocked), username=blocker.username)  # lifted


def test_bad_blocks_are_clear_errors_that_change_nothing(blocker, blocked):
    with pytest.raises(Invalid):
        block(blocker, blocker)
    with pytest.raises(NotFound):
        services.block_user(actor=actor_for(blocker), username="nobody_here")
    with pytest.raises(NotFound):
        services.unblock_user(actor=actor_for(blocker), username=blocked.username)
    block(blocker, blocked)
    with pytest.raises(Conflict):
        block(blocker, blocked)
    assert Block.objects.count() == 1
    # Only the blocker lifts it.
    with pytest.raises(NotFound):
        services.unblock_user(actor=actor_for(blocked), username=blocker.username)
    assert Block.objects.count() == 1


def test_the_blocked_person_cannot_comment_like_or_repost_and_nothing_is_saved(blocker, blocked):
    post = feed_services.publish_post(actor=actor_for(blocker), text="周末去图书馆自习")
    mine = feed_services.add_comment(actor=actor_for(blocker), post_id=post.pk, text="有人一起吗")
    third = make_user("third")
    theirs = feed_services.publish_post(actor=actor_for(third), text="线代作业答案对一下")
    on_theirs = feed_services.add_comment(actor=actor_for(blocker), post_id=theirs.pk,
                                          text="第三题是 2")
    block(blocker, blocked)
    as_blocked = actor_for(blocked)
    with pytest.raises(PermissionDenied, match="对方已将你拉黑，无法评论"):
        feed_services.add_comment(actor=as_blocked, post_id=post.pk, text="我也去")
    with pytest.raises(PermissionDenied, match="对方已将你拉黑"):  # a reply on another's post
        feed_services.add_comment(actor=as_blocked, post_id=theirs.pk, text="不对",
                                  parent_id=on_theirs.pk)
    with pytest.raises(PermissionDenied, match="对方已将你拉黑，无法点赞"):
        feed_services.like_post(actor=as_blocked, post_id=post.pk)
    with pytest.raises(PermissionDenied, match="对方已将你拉黑"):
        feed_services.like_comment(actor=as_blocked, comment_id=mine.pk)
    with pytest.raises(PermissionDenied, match="对方已将你拉黑，无法转发"):
        feed_services.repost(actor=as_blocked, post_id=post.pk)
    assert Comment.objects.filter(author=blocked).count() == 0
    assert not PostLike.objects.exists() and not CommentLike.objects.exists()
    assert Post.objects.filter(author=blocked).count() == 0
    assert not Notification.objects.filter(actor_id=blocked.pk).exists()
    # The rest of the post is theirs to comment on as before.
    feed_services.add_comment(actor=as_blocked, post_id=theirs.pk, text="我算的是 3")


def test_a_mention_of_the_blocker_links_and_notifies_nothing(blocker, blocked, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    block(blocker, blocked)
    typed = feed_services.publish_post(actor=actor_for(blocked), text="@blocker 和 @林晓 来看")
    chosen = feed_services.publish_post(actor=actor_for(blocked), text="@林晓 看这里",
                                        mention_ids=[blocker.pk])
    comment = feed_services.add_comment(actor=actor_for(blocked), post_id=typed.pk,
                                        text="@林晓 快来")
    assert typed.mention_links == {} and chosen.mention_links == {}
    assert comment.mention_links == {}
    assert not Notification.objects.filter(recipient=blocker).exists()
    # Nor the other way: the blocker's mention of the blocked person is plain text too.
    other = feed_services.publish_post(actor=actor_for(blocker), text="@blocked 你好")
    assert other.mention_links == {}
    # Someone else is mentioned as ever.
    friend = make_user("friend", school=blocked.school, display_name="王芳")
    post = feed_services.publish_post(actor=actor_for(blocked), text="@王芳 @林晓 一起")
    assert post.mention_links == {"王芳": friend.username}


def test_the_mention_chooser_leaves_the_blocker_out_for_the_blocked(blocker, blocked):
    me = actor_for(blocked)
    assert [u.username for u in selectors.suggest_people(actor=me, query="林")] == ["blocker"]
    block(blocker, blocked)
    assert selectors.suggest_people(actor=me, query="林") == []
    assert selectors.suggest_people(actor=me, query="blocker") == []
    assert selectors.suggest_people(actor=actor_for(blocker), query="赵") == []


def test_no_invitation_across_a_block(blocker, blocked):
    group = make_interest_group(blocked, name="篮球社", is_private=True, join_policy="approval")
    other = make_user("other")
    block(blocker, blocked)
    with pytest.raises(PermissionDenied, match="对方已将你拉黑，无法邀请 TA"):
        group_services.invite(actor=actor_for(blocked), group=group, username=blocker.username)
    made = group_services.invite_users(actor=actor_for(blocked), group=group,
                                       user_ids=[blocker.pk, other.pk])
    assert [i.invitee_id for i in made] == [other.pk]  # the blocker passed over
    assert not Invitation.objects.filter(invitee=blocker).exists()


def test_may_contact_is_refused_either_way_while_blocked(blocker, blocked):
    assert rules.may_contact(blocked, blocker) and rules.may_contact(blocker, blocked)
    block(blocker, blocked)
    assert not rules.may_contact(blocked, blocker)
    assert not rules.may_contact(blocker, blocked)
    assert rules.is_blocked(blocked, blocker) and rules.is_blocked(blocker, blocked)
    assert rules.has_blocked(blocker, blocked) and not rules.has_blocked(blocked, blocker)


def test_the_blocked_list_is_mine_newest_first_and_paged(blocker, school):
    people = [make_user(f"person{i}", school=school) for i in range(3)]
    for person in people:
        block(blocker, person)
    block(people[0], blocker)  # someone blocking me is not on my list
    mine = selectors.blocked_users(actor=actor_for(blocker))
    first = paginate(mine, first=2)
    rest = paginate(mine, first=2, after=first.end_cursor)
    assert [u.username for u in first.items] == ["person2", "person1"] and first.has_next
    assert [u.username for u in rest.items] == ["person0"] and not rest.has_next
    assert selectors.blocked_ids(User.objects.get(pk=blocker.pk)) == {p.pk for p in people}


def test_the_blocker_no_longer_sees_the_blocked_persons_posts_or_comments(blocker, blocked):
    group = make_interest_group(blocker, name="考研交流群")
    group_services.join_group(actor=actor_for(blocked), group=group)
    in_group = feed_services.publish_post(actor=actor_for(blocked), text="考研数学一经验",
                                          group=group, visibility="group")
    public = feed_services.publish_post(actor=actor_for(blocked), text="今天食堂不错")
    mine = feed_services.publish_post(actor=actor_for(blocker), text="求推荐网课")
    feed_services.add_comment(actor=actor_for(blocked), post_id=mine.pk, text="看这个")
    me = actor_for(blocker)
    assert feed_selectors.group_timeline(actor=me, group=group).items == [in_group]
    block(blocker, blocked)
    me = actor_for(User.objects.get(pk=blocker.pk))
    assert feed_selectors.group_timeline(actor=me, group=group).items == []
    assert feed_selectors.user_timeline(actor=me, user=blocked).items == []
    with pytest.raises(NotFound):
        feed_selectors.get_post(actor=me, pk=public.pk)
    assert feed_selectors.comments(actor=me, post=mine).items == []
    # Everyone else still sees them.
    other = actor_for(make_user("bystander"))
    assert feed_selectors.user_timeline(actor=other, user=blocked).items == [public]
    assert len(feed_selectors.comments(actor=other, post=mine).items) == 1

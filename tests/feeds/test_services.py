import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from feeds import selectors, services
from feeds.models import Comment, Post, Topic, Visibility
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from yiban_core.accounts import services as account_services
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def publish(user, text="今天的高数作业好难", **kwargs):
    return services.publish_post(actor=actor_for(user), text=text, **kwargs)


def test_publish_links_topics_and_notifies_visible_mentions(no_redis, run_worker):
    author, friend = make_user("author"), make_user("friend")
    post = publish(author, "一起复习 #期末考试# 吧 @friend @nobody_here")
    assert [t.name for t in Topic.objects.all()] == ["期末考试"]
    run_worker()
    notification = Notification.objects.get(recipient=friend)
    assert notification.kind == Notification.Kind.MENTIONED
    assert notification.target == post


def test_mention_never_leaks_a_private_group_post(no_redis, run_worker):
    owner, outsider = make_user("owner"), make_user("outsider")
    group = make_interest_group(owner, is_private=True, join_policy="approval")
    publish(owner, "内部消息 @outsider 看不到", group=group)
    run_worker()
    assert not Notification.objects.filter(recipient=outsider).exists()


@pytest.mark.parametrize(("text", "field"), [("", "text"), ("   ", "text"), ("长" * 2001, "text")])
def test_empty_or_oversized_post_changes_nothing(no_redis, text, field):
    with pytest.raises(Invalid) as error:
        publish(make_user(), text)
    assert error.value.field == field
    assert not Post.objects.exists()


def test_images_are_checked_by_content(no_redis):
    author = make_user()
    post = publish(author, "", images=[png(), png("b.png")])
    assert post.images.count() == 2
    fake = SimpleUploadedFile("virus.png", b"MZ\x90\x00binary", content_type="image/png")
    with pytest.raises(Invalid):
        publish(author, "看图", images=[png(), fake])
    with pytest.raises(Invalid):
        publish(author, "太多图", images=[png(f"{i}.png") for i in range(10)])
    assert Post.objects.count() == 1


def test_posting_to_a_group_you_are_not_in_is_refused(no_redis):
    group = make_interest_group(make_user("owner"))
    with pytest.raises(PermissionDenied):
        publish(make_user(), "我来发广告", group=group)
    assert not Post.objects.exists()


def test_school_visibility_needs_a_school_and_stays_in_it(no_redis):
    school, other = make_school(), make_school()
    author = verify(make_user(school=school))
    with pytest.raises(Invalid):
        publish(make_user(), "本校通知", visibility=Visibility.SCHOOL)
    post = publish(author, "本校通知", visibility=Visibility.SCHOOL)
    assert selectors.can_see_post(actor_for(verify(make_user(school=school))), post)
    assert not selectors.can_see_post(actor_for(make_user(school=other)), post)


def test_followers_only_post(no_redis):
    author, fan, stranger = make_user(), make_user(), make_user()
    account_services.follow(actor=actor_for(fan), username=author.username)
    post = publish(author, "只给粉丝看", visibility=Visibility.FOLLOWERS)
    assert selectors.can_see_post(actor_for(fan), post)
    assert not selectors.can_see_post(actor_for(stranger), post)


def test_likes_are_counted_once_and_undone(no_redis):
    author, fan = make_user(), make_user()
    post = publish(author)
    services.like_post(actor=actor_for(fan), post_id=post.pk)
    with pytest.raises(Conflict):
        services.like_post(actor=actor_for(fan), post_id=post.pk)
    post.refresh_from_db()
    assert post.like_count == 1
    services.unlike_post(actor=actor_for(fan), post_id=post.pk)
    post.refresh_from_db()
    assert post.like_count == 0
    with pytest.raises(NotFound):
        services.unlike_post(actor=actor_for(fan), post_id=post.pk)


def test_comment_threads_are_one_level_deep_and_counts_survive_deletes(no_redis, run_worker):
    author, a, b = make_user("author"), make_user("aaa"), make_user("bbb")
    post = publish(author)
    top = services.add_comment(actor=actor_for(a), post_id=post.pk, text="第一")
    reply = services.add_comment(actor=actor_for(b), post_id=post.pk, text="回复", parent_id=top.pk)
    deeper = services.add_comment(actor=actor_for(a), post_id=post.pk, text="再回复",
                                  parent_id=reply.pk)
    assert deeper.parent_id == top.pk and deeper.reply_to == b
    post.refresh_from_db()
    assert post.comment_count == 3
    run_worker()
    kinds = set(Notification.objects.values_list("recipient__username", "kind"))
    assert ("author", "commented") in kinds and ("aaa", "replied") in kinds
    assert ("bbb", "replied") in kinds

    # Only the comment's author, the post's author or a moderator may delete it.
    with pytest.raises(PermissionDenied):
        services.delete_comment(actor=actor_for(b), comment_id=top.pk)
    services.delete_comment(actor=actor_for(author), comment_id=top.pk)
    post.refresh_from_db()
    assert post.comment_count == 0 and not Comment.objects.exists()


def test_commenting_on_a_deleted_post_is_not_found(no_redis):
    author = make_user()
    post = publish(author)
    services.delete_post(actor=actor_for(author), post_id=post.pk)
    with pytest.raises(NotFound):
        services.add_comment(actor=actor_for(make_user()), post_id=post.pk, text="还在吗")
    assert not Comment.objects.exists()


def test_reposts_count_and_point_at_the_original(no_redis):
    author, fan, fan2 = make_user(), make_user(), make_user()
    original = publish(author, "好资料分享")
    first = services.repost(actor=actor_for(fan), post_id=original.pk, text="转发学习")
    second = services.repost(actor=actor_for(fan2), post_id=first.pk)
    assert second.repost_of == original
    original.refresh_from_db()
    assert original.repost_count == 2
    services.delete_post(actor=actor_for(fan), post_id=first.pk)
    original.refresh_from_db()
    assert original.repost_count == 1
    services.delete_post(actor=actor_for(author), post_id=original.pk)
    second.refresh_from_db()
    assert second.repost_of is None  # shown as "the original was deleted"


def test_only_public_posts_can_be_reposted(no_redis):
    author, fan = make_user(), make_user()
    account_services.follow(actor=actor_for(fan), username=author.username)
    post = publish(author, "粉丝可见", visibility=Visibility.FOLLOWERS)
    with pytest.raises(Invalid):
        services.repost(actor=actor_for(fan), post_id=post.pk)


def test_group_admins_pin_announcements_and_members_hear_of_it(no_redis, run_worker):
    owner, member = make_user("owner"), make_user("member")
    group = make_interest_group(owner)
    group_services.join_group(actor=actor_for(member), group=group)
    post = publish(member, "周六活动安排", group=group)
    with pytest.raises(PermissionDenied):
        services.set_pinned(actor=actor_for(member), post_id=post.pk, pinned=True)
    services.set_pinned(actor=actor_for(owner), post_id=post.pk, pinned=True)
    assert selectors.group_announcements(actor=actor_for(member), group=group) == [post]
    run_worker()
    assert Notification.objects.filter(recipient=member, kind="announcement").exists()


def test_group_managers_and_site_admins_may_delete_others_posts(no_redis):
    owner, member = make_user(), make_user()
    group = make_interest_group(owner)
    group_services.join_group(actor=actor_for(member), group=group)
    in_group = publish(member, "群里的帖子", group=group)
    outside = publish(member, "公开的帖子")
    with pytest.raises(PermissionDenied):
        services.delete_post(actor=actor_for(owner), post_id=outside.pk)
    services.delete_post(actor=actor_for(owner), post_id=in_group.pk)
    from yiban_core.accounts.models import User

    moderator = User.objects.create_superuser("moderator", password="Xuexi-2026-ok")
    services.delete_post(actor=actor_for(moderator), post_id=outside.pk)
    assert not Post.objects.exists()


def test_edit_reparses_topics_and_only_the_author_edits(no_redis):
    author = make_user()
    post = publish(author, "#高等数学# 复习")
    with pytest.raises(PermissionDenied):
        services.edit_post(actor=actor_for(make_user()), post_id=post.pk, text="改掉")
    services.edit_post(actor=actor_for(author), post_id=post.pk, text="#线性代数# 复习")
    counts = dict(Topic.objects.values_list("name", "post_count"))
    assert counts == {"高等数学": 0, "线性代数": 1}
    post.refresh_from_db()
    assert post.edited_at is not None


def test_trending_counts_only_public_posts_of_the_last_day(no_redis):
    owner = make_user()
    group = make_interest_group(owner, is_private=True, join_policy="approval")
    for _ in range(3):
        publish(owner, "#秘密话题# 内部", group=group)
    publish(owner, "#考研# 加油")
    publish(owner, "#考研# 冲")
    publish(owner, "#四六级# 报名")
    names = [t.name for t in selectors.trending_topics(actor=actor_for(make_user()))]
    assert names[:2] == ["考研", "四六级"]
    assert "秘密话题" not in names


def test_posting_is_rate_limited(no_redis, settings):
    author = make_user()
    for i in range(services.POSTS_PER_HOUR):
        publish(author, f"第{i}条")
    with pytest.raises(Exception) as error:
        publish(author, "刷屏")
    assert getattr(error.value, "code", "") == "RATE_LIMITED"
    assert Post.objects.count() == services.POSTS_PER_HOUR


def test_a_post_and_its_repost_on_one_page_both_carry_images_and_topics(
    no_redis, django_assert_num_queries
):
    me, friend = make_user("me_student"), make_user("friend")
    account_services.follow(actor=actor_for(me), username="friend")
    original = services.publish_post(actor=actor_for(friend), text="#期末复习# 笔记",
                                     images=[png()])
    services.repost(actor=actor_for(friend), post_id=original.pk, text="再发一次")
    page = selectors.home_timeline(actor=actor_for(me), first=10)
    # The original twice: as itself and as the repost's original, two objects.
    shown = page.items + [p.repost_of for p in page.items if p.repost_of is not None]
    assert [p.pk for p in shown] == [original.pk + 1, original.pk, original.pk]
    with django_assert_num_queries(1):
        selectors.attach_topics(page.items)
    with django_assert_num_queries(0):
        assert [len(p.image_list()) for p in shown] == [0, 1, 1]
        assert [[t.name for t in p.topic_list()] for p in shown] == [[], ["期末复习"], ["期末复习"]]

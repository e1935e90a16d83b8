"""The notifications page says what happened, groups alike rows and marks them read.

Excerpts are read when the page is shown, through the feeds selectors: a deleted
or no longer visible post, or a deleted comment, is said to be so, never quoted.
"""

import re
from html import unescape

import pytest
from django.urls import reverse

from feeds import services as feed_services
from feeds.models import Comment, Post
from tests.factories import actor_for, make_interest_group, make_user
from yiban_core.accounts import services as account_services
from yiban_core.groups import services as group_services
from yiban_core.notifications import selectors as notification_selectors
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db

POST = "今天在图书馆复习高等数学第三章，微分中值定理终于弄懂了，明天继续刷课后习题"
COMMENT = "加油！我也在看第三章，罗尔定理那一节的例题可以一起讨论一下吗？周六下午有空"


@pytest.fixture(autouse=True)
def _deliver_immediately(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


def cut(text: str) -> str:
    """What the page quotes of a text: its first 30 characters and an ellipsis."""
    return text[:30] + "…"


def rows(client) -> list[str]:
    """Each notification row of /notifications/ as the reader sees its words."""
    page = client.get(reverse("notifications")).content.decode()
    found = re.findall(r'<p class="notification-text">(.*?)</p>', page, re.S)
    words = [re.sub(r"<[^>]+>", "", row) for row in found]
    return [" ".join(unescape(row).split()) for row in words]


def publish(user, text, **kwargs) -> Post:
    return feed_services.publish_post(actor=actor_for(user), text=text, **kwargs)


def test_each_kind_says_who_did_what_with_the_first_words(client):
    li = make_user("li_hua", display_name="李华")
    zhang = make_user("zhang_san", display_name="张三")
    wang = make_user("wang_wu", display_name="王五")
    post = publish(li, POST)
    own = feed_services.add_comment(actor=actor_for(li), post_id=post.pk, text="我先占个楼")
    feed_services.add_comment(actor=actor_for(zhang), post_id=post.pk, text=COMMENT)
    feed_services.add_comment(actor=actor_for(wang), post_id=post.pk, text="同问，一起",
                              parent_id=own.pk)
    feed_services.like_comment(actor=actor_for(zhang), comment_id=own.pk)
    publish(zhang, "转给同学们看看", repost_of=post)
    publish(wang, "@li_hua 周末一起去自习吗？")
    club = make_interest_group(li, name="摄影社", join_policy="approval")
    group_services.request_to_join(actor=actor_for(wang), group=club)
    account_services.follow(actor=actor_for(zhang), username="li_hua")

    client.force_login(li)
    said = rows(client)
    assert said[:7] == [
        "张三 关注了你",
        "王五 申请加入群 摄影社",
        "王五 提到了你：「@li_hua 周末一起去自习吗？」",
        f"张三 转发了你的动态「{cut(POST)}」：「转给同学们看看」",
        "张三 赞了你的评论「我先占个楼」",
        "王五 回复了你的评论：「同问，一起」",
        f"张三 评论了你的动态「{cut(POST)}」：「{cut(COMMENT)}」",
    ], said
    # Each row leads to what it is about.
    page = client.get(reverse("notifications")).content.decode()
    assert f'href="{reverse("post_detail", args=[post.pk])}"' in page


def test_five_likes_of_one_post_are_one_row_with_the_newest_names(client):
    li = make_user("li_hua", display_name="李华")
    post = publish(li, "期末复习资料整理好了")
    other = publish(li, "明天早八")
    names = ["赵一", "钱二", "孙三", "李四", "周五"]
    for i, name in enumerate(names):
        feed_services.like_post(actor=actor_for(make_user(f"fan{i}", display_name=name)),
                                post_id=post.pk)
    feed_services.like_post(actor=actor_for(make_user("solo", display_name="吴六")),
                            post_id=other.pk)

    client.force_login(li)
    assert rows(client) == [
        "吴六 赞了你的动态「明天早八」",
        "周五、李四等 5 人 赞了你的动态「期末复习资料整理好了」",
    ]


def test_a_deleted_post_or_comment_and_a_post_no_longer_visible_are_not_quoted(client):
    li = make_user("li_hua", display_name="李华")
    zhang = make_user("zhang_san", display_name="张三")
    owner = make_user("club_owner", display_name="社长")
    club = make_interest_group(owner, name="考研交流群", is_private=True)
    invitation = group_services.invite(actor=actor_for(owner), group=club, username="li_hua")
    group_services.answer_invitation(actor=actor_for(li), invitation_id=invitation.pk,
                                     accept=True)
    publish(owner, "@li_hua 群里的真题密卷别外传", group=club)
    gone = publish(li, "这条动态马上删除")
    feed_services.like_post(actor=actor_for(zhang), post_id=gone.pk)
    kept = publish(li, "这条动态还在")
    comment = feed_services.add_comment(actor=actor_for(zhang), post_id=kept.pk,
                                        text="这条评论马上删除")
    feed_services.delete_comment(actor=actor_for(zhang), comment_id=comment.pk)
    feed_services.delete_post(actor=actor_for(li), post_id=gone.pk)
    group_services.leave_group(actor=actor_for(li), group=club)

    client.force_login(li)
    said = rows(client)
    assert "张三 评论了你的动态「这条动态还在」（该评论已删除）" in said
    assert "张三 赞了你的动态（该动态已删除）" in said
    assert "社长 提到了你（该动态不可见）" in said
    page = client.get(reverse("notifications")).content.decode()
    for secret in ("真题密卷", "马上删除"):
        assert secret not in page
    assert Comment.objects.count() == 0


def test_opening_the_page_marks_what_it_shows_read_and_the_badge_drops(client):
    li = make_user("li_hua", display_name="李华")
    post = publish(li, "周末去爬山")
    for i in range(3):
        feed_services.like_post(actor=actor_for(make_user(f"fan{i}")), post_id=post.pk)
    account_services.follow(actor=actor_for(make_user("follower")), username="li_hua")
    client.force_login(li)
    home = client.get("/").content.decode()
    assert re.search(r"data-unread-badge[^>]*>4<", home)

    first = client.get(reverse("notifications")).content.decode()
    assert first.count('class="list-row notification unread"') == 2  # new on this visit
    assert re.search(r"data-unread-badge[^>]*hidden>0<", first)
    assert not Notification.objects.filter(recipient=li, read_at__isnull=True).exists()
    again = client.get(reverse("notifications")).content.decode()
    assert "list-row notification unread" not in again


def test_a_page_marks_only_the_groups_it_shows(client):
    li = make_user("li_hua", display_name="李华")
    posts = [publish(li, f"第 {i} 条") for i in range(32)]
    fan = make_user("fan", display_name="粉丝")
    for post in posts:
        feed_services.like_post(actor=actor_for(fan), post_id=post.pk)
    client.force_login(li)
    assert len(rows(client)) == 30
    unread = Notification.objects.filter(recipient=li, read_at__isnull=True)
    assert sorted(n.target_id for n in unread) == [posts[0].pk, posts[1].pk]


def test_groups_page_by_their_newest_notification_each_once(client):
    li = make_user("li_hua", display_name="李华")
    posts = [publish(li, f"动态{i}") for i in range(4)]
    fans = [make_user(f"fan{i}") for i in range(3)]
    # Likes interleaved across posts: each post's group sits at its newest like.
    for fan in fans:
        for post in posts:
            feed_services.like_post(actor=actor_for(fan), post_id=post.pk)
    feed_services.like_post(actor=actor_for(make_user("late")), post_id=posts[1].pk)
    actor = actor_for(li)

    seen, after = [], None
    while True:
        page = notification_selectors.notification_groups(actor=actor, first=1, after=after)
        notification_selectors.describe_groups(actor=actor, notifications=page.items)
        seen += [(n.target_id, n.actor_count) for n in page.items]
        if len(seen) == 2:  # a like arriving while paging does not move a group
            feed_services.like_post(actor=actor_for(make_user("later")), post_id=posts[0].pk)
        if not page.has_next:
            break
        after = page.end_cursor
    assert seen == [(posts[1].pk, 4), (posts[3].pk, 3), (posts[2].pk, 3), (posts[0].pk, 3)]

    client.force_login(li)
    assert rows(client)[0].endswith("等 4 人 赞了你的动态「动态0」")


def test_the_page_costs_the_same_queries_for_few_or_many_groups(client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    li = make_user("li_hua", display_name="李华")
    fans = [make_user(f"fan{i}") for i in range(2)]
    client.force_login(li)

    def queries_for(groups: int) -> int:
        Notification.objects.filter(recipient=li).update(read_at=None)
        for post in [publish(li, f"动态{i}") for i in range(groups - Post.objects.count())]:
            for fan in fans:
                feed_services.like_post(actor=actor_for(fan), post_id=post.pk)
            feed_services.add_comment(actor=actor_for(fans[0]), post_id=post.pk, text="好")
        client.get("/")  # the page frame's cached reads, warm in both
        Notification.objects.filter(recipient=li).update(read_at=None)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("notifications")).status_code == 200
        return len(captured)

    assert queries_for(2) == queries_for(6)


def test_ratings_of_my_resource_are_one_row_with_the_title_and_the_newest_review(client):
    from resources import services as resource_services

    li = make_user("li_hua", display_name="李华")
    title = "高等数学期末复习资料（含历年真题与详细解答）第三版"
    resource = resource_services.publish_resource(
        actor=actor_for(li), title=title, subject="mathematics",
        url="https://example.edu.cn/gaoshu.pdf")
    for i, (stars, review) in enumerate([(5, ""), (4, "第三章的例题讲得很清楚，谢谢分享")]):
        fan = make_user(f"fan{i}", display_name=f"同学{i}")
        resource_services.rate_resource(actor=actor_for(fan), resource_id=resource.pk,
                                        stars=stars, review=review)
    resource_services.rate_resource(actor=actor_for(fan), resource_id=resource.pk, stars=3)

    client.force_login(li)
    assert rows(client) == [f"同学1、同学0 评价了你的资源「{title}」：「★★★☆☆」"]
    page = client.get(reverse("notifications")).content.decode()
    assert f'href="{reverse("resource_detail", args=[resource.pk])}"' in page
    resource_services.delete_resource(actor=actor_for(li), resource_id=resource.pk)
    assert rows(client) == ["同学1、同学0 评价了你的资源（该资源已删除）"]

"""Group announcements with read receipts (已读回执), reminders, and @所有人."""

from __future__ import annotations

import pytest

from feeds import poll_selectors, poll_services, services
from feeds.models import AnnouncementRead, AnnouncementReminder, Post
from tests.factories import actor_for, make_class_group, make_school, make_teacher, make_user
from tests.graphql.conftest import GraphQLClient, gid
from yiban_core.errors import Invalid, PermissionDenied, RateLimited
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Membership
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def klass(no_redis):
    school = make_school()
    teacher = make_teacher("wang_laoshi", school=school)
    group = make_class_group(teacher)
    students = [make_user(f"stu{i}", school=school, display_name=f"学生{i}") for i in range(3)]
    for student in students:
        group_services.join_by_code(actor=actor_for(student), code=group.join_code)
    return teacher, group, students


def announce(teacher, group, text="明天上午八点在教三 201 开班会，请准时参加") -> Post:
    return services.publish_post(actor=actor_for(teacher), text=text, group=group,
                                 announce=True)


def test_opening_an_announcement_marks_it_read_and_managers_see_who_has_not(client, klass):
    teacher, group, (a, b, c) = klass
    post = announce(teacher, group)
    client.force_login(a)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert 'id="receipts"' not in page  # a member does not see the others' receipts
    assert AnnouncementRead.objects.filter(post=post, user=a).exists()
    client.get(f"/posts/{post.pk}/")  # a second visit records nothing new
    assert AnnouncementRead.objects.filter(post=post).count() == 1

    receipts = poll_selectors.read_receipts(actor=actor_for(teacher), post=post)
    assert [user.username for user, _at in receipts.read] == [a.username]
    assert sorted(user.username for user in receipts.unread) == [b.username, c.username]

    client.force_login(teacher)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert "1 人已读 · 2 人未读" in page and "学生1" in page and "学生2" in page
    with pytest.raises(PermissionDenied):
        poll_selectors.read_receipts(actor=actor_for(b), post=post)


def test_i_have_read_button_on_the_group_page(client, klass):
    teacher, group, (a, _b, _c) = klass
    post = announce(teacher, group)
    client.force_login(a)
    page = client.get(f"/groups/{group.pk}/").content.decode()
    assert 'data-testid="mark-read"' in page
    response = client.post(f"/posts/{post.pk}/read/", {"next": f"/groups/{group.pk}/"},
                           follow=True)
    assert "已标记为已读" in response.content.decode()
    assert 'data-testid="mark-read"' not in response.content.decode()
    assert AnnouncementRead.objects.filter(post=post, user=a).exists()


def test_only_members_and_only_announcements_have_receipts(klass):
    teacher, group, (a, _b, _c) = klass
    plain = services.publish_post(actor=actor_for(teacher), text="普通动态", group=group)
    with pytest.raises(Invalid):
        poll_services.mark_announcement_read(actor=actor_for(a), post_id=plain.pk)
    public = services.publish_post(actor=actor_for(a), text="公开动态")
    with pytest.raises(Invalid):
        poll_services.mark_announcement_read(actor=actor_for(teacher), post_id=public.pk)
    assert not AnnouncementRead.objects.exists()


def test_a_reminder_reaches_those_who_have_not_read_once_an_hour(klass, run_worker):
    teacher, group, (a, b, c) = klass
    post = announce(teacher, group)
    poll_services.mark_announcement_read(actor=actor_for(a), post_id=post.pk)
    with pytest.raises(PermissionDenied):
        poll_services.remind_unread(actor=actor_for(b), post_id=post.pk)
    assert poll_services.remind_unread(actor=actor_for(teacher), post_id=post.pk) == 2
    with pytest.raises(RateLimited) as error:
        poll_services.remind_unread(actor=actor_for(teacher), post_id=post.pk)
    assert "每小时" in error.value.message
    run_worker()
    reminded = set(Notification.objects.filter(kind=Notification.Kind.ANNOUNCEMENT_REMINDER)
                   .values_list("recipient__username", flat=True))
    assert reminded == {b.username, c.username}
    assert AnnouncementReminder.objects.count() == 1


def test_reminder_page_button_and_its_limit(client, klass):
    teacher, group, _students = klass
    post = announce(teacher, group)
    client.force_login(teacher)
    page = client.get(f"/posts/{post.pk}/").content.decode()
    assert 'data-testid="remind-unread"' in page
    first = client.post(f"/posts/{post.pk}/remind/", {"next": f"/posts/{post.pk}/"},
                        follow=True)
    assert "已提醒未读的成员" in first.content.decode()
    second = client.post(f"/posts/{post.pk}/remind/", headers={"Accept": "application/json"})
    assert second.status_code == 429 and second.json()["code"] == "RATE_LIMITED"
    assert AnnouncementReminder.objects.count() == 1


RECEIPTS = """query($id: ID!) { post(id: $id) { viewerHasRead
  readReceipts { readCount unreadCount read { user { username } } unread { username } } } }"""
MARK = """mutation($input: MarkAnnouncementReadInput!) { markAnnouncementRead(input: $input) {
  errors { code field } post { viewerHasRead } } }"""
REMIND = """mutation($input: RemindUnreadMembersInput!) { remindUnreadMembers(input: $input) {
  errors { code field } remindedCount } }"""


def test_receipts_through_graphql(client, klass):
    teacher, group, (a, _b, _c) = klass
    post = announce(teacher, group)
    gql = GraphQLClient(client).as_user(a)
    assert gql.data(RECEIPTS, id=gid(post))["post"] == {"viewerHasRead": False,
                                                        "readReceipts": None}
    marked = gql.mutate("markAnnouncementRead", MARK, input={"postId": gid(post)})
    assert marked == {"errors": [], "post": {"viewerHasRead": True}}
    refused = gql.mutate("remindUnreadMembers", REMIND, input={"postId": gid(post)})
    assert [e["code"] for e in refused["errors"]] == ["PERMISSION_DENIED"]

    gql.as_user(teacher)
    receipts = gql.data(RECEIPTS, id=gid(post))["post"]["readReceipts"]
    assert receipts["readCount"] == 1 and receipts["unreadCount"] == 2
    assert receipts["read"] == [{"user": {"username": a.username}}]
    reminded = gql.mutate("remindUnreadMembers", REMIND, input={"postId": gid(post)})
    assert reminded == {"errors": [], "remindedCount": 2}
    again = gql.mutate("remindUnreadMembers", REMIND, input={"postId": gid(post)})
    assert [e["code"] for e in again["errors"]] == ["RATE_LIMITED"]


# --- @所有人 -----------------------------------------------------------------------------------


def test_a_managers_at_everyone_notifies_every_member(klass, run_worker):
    teacher, group, students = klass
    post = services.publish_post(actor=actor_for(teacher), text="@所有人 明天交实验报告",
                                 group=group)
    run_worker()
    told = set(Notification.objects.filter(kind=Notification.Kind.MENTIONED, target_id=post.pk)
               .values_list("recipient__username", flat=True))
    assert told == {s.username for s in students}


def test_a_plain_members_at_everyone_is_refused_and_nothing_is_posted(klass, run_worker):
    _teacher, group, (a, _b, _c) = klass
    with pytest.raises(PermissionDenied) as error:
        services.publish_post(actor=actor_for(a), text="@所有人 快来看", group=group)
    assert "@所有人" in error.value.message
    with pytest.raises(Invalid):
        services.publish_post(actor=actor_for(a), text="@所有人 公开喊一声")
    assert not Post.objects.exists()
    post = services.publish_post(actor=actor_for(a), text="普通的一句话", group=group)
    with pytest.raises(PermissionDenied):
        services.edit_post(actor=actor_for(a), post_id=post.pk, text="改成 @所有人 看这里")
    post.refresh_from_db()
    assert post.text == "普通的一句话"
    run_worker()
    assert not Notification.objects.filter(kind=Notification.Kind.MENTIONED).exists()


def test_a_teacher_member_and_an_admin_may_say_at_everyone(klass, run_worker):
    _teacher, group, (a, b, _c) = klass
    other_teacher = make_teacher("li_laoshi", school=group.school)
    group_services.join_by_code(actor=actor_for(other_teacher), code=group.join_code)
    services.publish_post(actor=actor_for(other_teacher), text="@所有人 实验课改到周四",
                          group=group)
    Membership.objects.filter(group=group, user=a).update(role=Membership.Role.ADMIN)
    services.publish_post(actor=actor_for(a), text="@所有人 班费收齐了", group=group)
    run_worker()
    assert Notification.objects.filter(kind=Notification.Kind.MENTIONED,
                                       recipient=b).count() == 2


def test_the_composer_says_why_a_members_at_everyone_was_refused(client, klass):
    _teacher, group, (a, _b, _c) = klass
    client.force_login(a)
    response = client.post("/posts/new/", {"text": "@所有人 快来", "group": group.pk})
    assert response.status_code == 403
    assert "只有群主、管理员或老师可以 @所有人" in response.content.decode()
    assert not Post.objects.exists()

"""Pre-moderation (先审后发): a group's switch, its school's default and new accounts' links
and images. A held post or comment waits for a moderator: its author sees it marked, nobody
else sees it, a case of origin premoderation is open. Only a group's managers set its switch,
only a school's administrators (in a web session) the school's default."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from feeds import selectors as feed_selectors
from feeds import services as feed_services
from feeds.models import Comment, Post
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from tests.graphql.conftest import GraphQLClient
from tests.openapi.helpers import graphql, make_user_app, mint_token
from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor
from yiban_core.credits.models import PointEntry
from yiban_core.errors import DomainError, Invalid, NotFound, PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group
from yiban_core.moderation import rules
from yiban_core.moderation import services as moderation_services
from yiban_core.moderation.models import Case, CaseOrigin, CaseStatus, ContentState
from yiban_core.moderation.services import set_school_premoderation
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db


def png() -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "green").save(buffer, "PNG")
    return SimpleUploadedFile("photo.png", buffer.getvalue(), content_type="image/png")


def publish(user, text="周三晚上自习室见", **kwargs) -> Post:
    return feed_services.publish_post(actor=actor_for(user), text=text, **kwargs)


def comment(user, post, text="收到") -> Comment:
    return feed_services.add_comment(actor=actor_for(user), post_id=post.pk, text=text)


def case_of(obj) -> Case | None:
    return Case.objects.filter(target_type=ContentType.objects.get_for_model(obj),
                               target_id=obj.pk).first()


def sees(user, post) -> bool:
    try:
        feed_selectors.get_post(actor=actor_for(user), pk=post.pk)
    except NotFound:
        return False
    return True


def in_group_timeline(user, group, post) -> bool:
    page = feed_selectors.group_timeline(actor=actor_for(user), group=group, first=50)
    return post.pk in {p.pk for p in page.items}


@pytest.fixture
def campus():
    """A school, a teacher's class group with two verified students in it."""
    school = make_school()
    teacher = make_teacher(school=school)
    klass = make_class_group(teacher, school=school)
    students = []
    for name in ("wang_fang", "li_lei"):
        student = verify(make_user(name, school=school))
        group_services.join_by_code(actor=actor_for(student), code=klass.join_code)
        students.append(student)
    return school, teacher, klass, students


def set_group(group, manager, value):
    return group_services.update_group(actor=actor_for(manager), group=group, premoderate=value)


# --- the group's switch ----------------------------------------------------------------


def test_a_premoderated_group_holds_its_members_posts_for_its_managers(campus):
    school, teacher, klass, (author, classmate) = campus
    set_group(klass, teacher, True)

    post = publish(author, "班费收支明细在这里", group=klass)

    post.refresh_from_db()
    assert post.moderation == ContentState.HELD
    case = case_of(post)
    assert (case.origin, case.status, case.group_id, case.school_id, case.author_id) == (
        CaseOrigin.PREMODERATION, CaseStatus.OPEN, klass.pk, school.pk, author.pk)
    assert case.excerpt == "班费收支明细在这里"
    # Its author sees it (marked 审核中 by its state); nobody else does.
    assert feed_selectors.get_post(actor=actor_for(author), pk=post.pk).moderation == "held"
    assert not sees(classmate, post)
    assert not in_group_timeline(classmate, klass, post)
    assert not sees(make_user(school=school), post)


def test_the_managers_own_posts_are_not_held(campus):
    _school, teacher, klass, (_author, classmate) = campus
    set_group(klass, teacher, True)

    post = publish(teacher, "明天上午八点考试", group=klass)

    assert Post.objects.get(pk=post.pk).moderation == ContentState.VISIBLE
    assert case_of(post) is None
    assert sees(classmate, post) and in_group_timeline(classmate, klass, post)


def test_comments_in_a_premoderated_group_are_held_and_not_counted(campus):
    _school, teacher, klass, (author, classmate) = campus
    post = publish(teacher, "大家对期中复习有什么建议", group=klass)
    set_group(klass, teacher, True)

    held = comment(author, post, "能不能多讲讲第三章")

    assert Comment.objects.get(pk=held.pk).moderation == ContentState.HELD
    assert case_of(held).origin == CaseOrigin.PREMODERATION
    assert Post.objects.get(pk=post.pk).comment_count == 0
    shown = feed_selectors.comments(actor=actor_for(classmate), post=post, first=20).items
    assert held.pk not in {c.pk for c in shown}


@pytest.mark.django_db(transaction=True)  # the worker runs the delivery tasks
def test_approved_they_go_out_as_if_published_then_and_only_once(campus, run_worker):
    _school, teacher, klass, (author, classmate) = campus
    announcement = publish(teacher, "周五交实验报告", group=klass)
    set_group(klass, teacher, True)
    post = publish(author, "@li_lei 实验报告模板我传到群资源了", group=klass)
    reply = comment(author, announcement, "收到，老师")
    run_worker()
    assert not PointEntry.objects.filter(user=author).exists()
    talk = (Notification.Kind.COMMENTED, Notification.Kind.MENTIONED)
    assert not Notification.objects.filter(kind__in=talk).exists()

    for held in (post, reply):
        moderation_services.decide_case(actor=actor_for(teacher), case_id=case_of(held).pk,
                                        decision="approve")
    run_worker()

    assert sees(classmate, post) and in_group_timeline(classmate, klass, post)
    assert PointEntry.objects.filter(user=author, rule="post_published").count() == 1
    assert Post.objects.get(pk=announcement.pk).comment_count == 1
    kinds = set(Notification.objects.filter(kind__in=talk)
                .values_list("recipient__username", "kind"))
    assert {(teacher.username, Notification.Kind.COMMENTED),
            (classmate.username, Notification.Kind.MENTIONED)} <= kinds
    # Held again after an edit and approved again: nothing is sent twice.
    rows = (PointEntry.objects.count(), Notification.objects.filter(kind__in=talk).count())
    feed_services.edit_post(actor=actor_for(author), post_id=post.pk, text="@li_lei 模板在群资源里")
    assert Post.objects.get(pk=post.pk).moderation == ContentState.HELD
    moderation_services.decide_case(actor=actor_for(teacher),
                                    case_id=Case.objects.get(target_id=post.pk,
                                                             status=CaseStatus.OPEN).pk,
                                    decision="approve")
    run_worker()
    assert (PointEntry.objects.count(), Notification.objects.filter(kind__in=talk).count()) == rows


def test_without_the_switch_posts_are_published_at_once(campus):
    _school, _teacher, klass, (author, classmate) = campus

    post = publish(author, "今天的作业是第五章习题", group=klass)

    assert Post.objects.get(pk=post.pk).moderation == ContentState.VISIBLE
    assert case_of(post) is None
    assert in_group_timeline(classmate, klass, post)


# --- the school's default ----------------------------------------------------------------


def test_the_school_default_covers_groups_that_did_not_choose_and_school_only_posts(campus):
    school, teacher, klass, (author, _classmate) = campus
    school.premoderate_default = True
    school.save()
    club = make_interest_group(teacher, name="篮球社", school=school)
    group_services.join_group(actor=actor_for(author), group=club)
    set_group(club, teacher, False)  # the club chose for itself

    in_class = publish(author, "班级群里的一条", group=klass)
    in_club = publish(author, "篮球社周六约球", group=club)
    school_only = publish(author, "本校同学才能看到", visibility="school")
    public = publish(author, "公开动态是作者自己的空间")

    states = dict(Post.objects.filter(pk__in=[in_class.pk, in_club.pk, school_only.pk, public.pk])
                  .values_list("pk", "moderation"))
    assert states == {in_class.pk: "held", in_club.pk: "visible", school_only.pk: "held",
                      public.pk: "visible"}
    assert case_of(school_only).school_id == school.pk


def test_a_group_switched_on_holds_even_when_the_school_default_is_off(campus):
    school, teacher, _klass, (author, _classmate) = campus
    club = make_interest_group(teacher, name="读书会", school=school)
    group_services.join_group(actor=actor_for(author), group=club)
    set_group(club, teacher, True)

    assert publish(author, "这周读《活着》", group=club).moderation == ContentState.HELD


def test_comments_on_a_school_only_post_follow_the_school_default(campus):
    school, _teacher, _klass, (author, classmate) = campus
    post = publish(author, "宿舍楼周五停水", visibility="school")
    public = publish(author, "公开的一条")
    school.premoderate_default = True
    school.save()

    held = comment(classmate, post, "几点开始停")
    published = comment(classmate, public, "收到")

    assert Comment.objects.get(pk=held.pk).moderation == ContentState.HELD
    assert Comment.objects.get(pk=published.pk).moderation == ContentState.VISIBLE


# --- new accounts --------------------------------------------------------------------------


@pytest.fixture
def new_account_rule(settings):
    settings.MODERATION_NEW_ACCOUNT_HOURS = 24


@pytest.mark.parametrize("text", [
    "免费资料 https://pan.example.com/s/abc",
    "加群领取 www.kaoyan-ziliao.cn",
    "看这里 kaoyan-ziliao.com",
    "全角链接 ｈｔｔｐｓ：／／ｅｘａｍｐｌｅ．ｃｏｍ",
])
def test_a_new_account_s_post_with_a_link_is_held(new_account_rule, text):
    author = make_user()

    post = publish(author, text)

    assert post.moderation == ContentState.HELD
    assert case_of(post).origin == CaseOrigin.PREMODERATION
    assert not sees(make_user(), post)


def test_a_new_account_s_post_with_an_image_is_held(new_account_rule):
    post = publish(make_user(), "晒一下今天的晚霞", images=[png()])
    assert Post.objects.get(pk=post.pk).moderation == ContentState.HELD


def test_a_new_account_s_comment_with_a_link_is_held(new_account_rule):
    post = publish(make_user(), "求推荐考研资料")
    held = comment(make_user(), post, "私聊我 http://shop.example.cn")
    assert Comment.objects.get(pk=held.pk).moderation == ContentState.HELD


@pytest.mark.parametrize("text", ["代数考试第3.5题怎么做", "今天下雨了。明天呢", "版本v2.0发布"])
def test_a_new_account_s_plain_text_is_published(new_account_rule, text):
    post = publish(make_user(), text)
    assert post.moderation == ContentState.VISIBLE and case_of(post) is None


def test_after_the_first_day_links_and_images_are_published(new_account_rule):
    author = make_user()
    User.objects.filter(pk=author.pk).update(date_joined=timezone.now() - timedelta(hours=25))
    author.refresh_from_db()

    post = publish(author, "资料在 https://pan.example.com/s/abc", images=[png()])

    assert post.moderation == ContentState.VISIBLE
    assert sees(make_user(), post)


def test_the_rule_is_off_at_zero_hours(settings):
    settings.MODERATION_NEW_ACCOUNT_HOURS = 0
    assert publish(make_user(), "https://example.com").moderation == ContentState.VISIBLE


def test_site_admins_are_never_held(new_account_rule):
    admin = make_user(role="admin")
    assert rules.premoderation_reason(author=admin, has_link=True, has_image=True) is None


# --- who may set a switch ------------------------------------------------------------------


def test_only_the_groups_managers_set_its_switch(campus):
    _school, _teacher, klass, (member, _classmate) = campus
    outsider = make_user()

    for person in (member, outsider):
        with pytest.raises(DomainError):
            set_group(klass, person, True)

    assert Group.objects.get(pk=klass.pk).premoderate is None


def test_a_bad_switch_value_is_refused_and_changes_nothing(campus):
    _school, teacher, klass, _students = campus
    with pytest.raises(Invalid) as refused:
        group_services.update_group(actor=actor_for(teacher), group=klass, name="新名字",
                                    premoderate="yes")
    assert refused.value.field == "premoderate"
    klass.refresh_from_db()
    assert (klass.premoderate, klass.name) == (None, "计算机科学与技术2023级1班")


UPDATE = """mutation($id: ID!, $p: GroupPremoderation) {
  updateGroup(input: {groupId: $id, premoderation: $p}) {
    group { premoderation } errors { code field } } }"""


def test_managers_switch_it_through_graphql_and_others_are_refused(client, campus):
    from yiban_core.graphql.relay import global_id

    _school, teacher, klass, (member, _classmate) = campus
    gql = GraphQLClient(client)
    gid = global_id("Group", klass.pk)

    refused = gql.as_user(member)(UPDATE, id=gid, p="ON")["data"]["updateGroup"]
    assert refused["errors"][0]["code"] == "PERMISSION_DENIED"
    assert Group.objects.get(pk=klass.pk).premoderate is None

    done = gql.as_user(teacher)(UPDATE, id=gid, p="ON")["data"]["updateGroup"]
    assert done == {"group": {"premoderation": "ON"}, "errors": []}
    assert Group.objects.get(pk=klass.pk).premoderate is True
    done = gql.as_user(teacher)(UPDATE, id=gid, p="SCHOOL_DEFAULT")["data"]["updateGroup"]
    assert done["group"]["premoderation"] == "SCHOOL_DEFAULT"
    assert Group.objects.get(pk=klass.pk).premoderate is None
    bad = gql.as_user(teacher).raw(UPDATE, id=gid, p="MAYBE").json()
    assert bad["errors"] and Group.objects.get(pk=klass.pk).premoderate is None


def test_the_group_settings_page_switches_it(client, campus):
    _school, teacher, klass, (member, _classmate) = campus
    form = {"name": klass.name, "description": "", "join_policy": klass.join_policy,
            "member_cap": "", "premoderate": "on"}
    client.force_login(member)
    client.post(f"/groups/{klass.pk}/manage/", form)
    assert Group.objects.get(pk=klass.pk).premoderate is None

    client.force_login(teacher)
    page = client.get(f"/groups/{klass.pk}/manage/").content.decode()
    assert "先审后发" in page and "跟随学校设置（目前：关闭）" in page
    client.post(f"/groups/{klass.pk}/manage/", form)
    assert Group.objects.get(pk=klass.pk).premoderate is True
    client.post(f"/groups/{klass.pk}/manage/", {**form, "premoderate": "sometimes"})
    assert Group.objects.get(pk=klass.pk).premoderate is True
    client.post(f"/groups/{klass.pk}/manage/", {**form, "premoderate": ""})
    assert Group.objects.get(pk=klass.pk).premoderate is None


def test_only_the_schools_administrators_set_its_default_in_a_web_session(campus):
    school, teacher, _klass, _students = campus
    admin = make_user(school=school, role="staff")
    school.administrators.add(admin)

    with pytest.raises(PermissionDenied):
        set_school_premoderation(actor=actor_for(teacher), school=school, enabled=True)
    with pytest.raises(PermissionDenied):  # another school's administrator
        other = make_school()
        other_admin = make_user(school=other, role="staff")
        other.administrators.add(other_admin)
        set_school_premoderation(actor=actor_for(other_admin), school=school, enabled=True)
    with pytest.raises(PermissionDenied):  # a token, even the administrator's
        set_school_premoderation(actor=Actor(user=admin, scopes=frozenset({"profile"})),
                                 school=school, enabled=True)
    with pytest.raises(Invalid):
        set_school_premoderation(actor=actor_for(admin), school=school, enabled="yes")
    assert not School.objects.get(pk=school.pk).premoderate_default

    set_school_premoderation(actor=actor_for(admin), school=school, enabled=True)
    assert School.objects.get(pk=school.pk).premoderate_default


def test_the_school_page_switches_the_default_for_its_administrators_only(client, campus):
    school, teacher, _klass, _students = campus
    admin = make_user(school=school, role="staff")
    school.administrators.add(admin)

    client.force_login(teacher)
    client.post(f"/schools/{school.pk}/premoderation/", {"premoderate_default": "on"})
    assert not School.objects.get(pk=school.pk).premoderate_default
    assert client.post("/schools/999999/premoderation/", {}).status_code == 404

    client.force_login(admin)
    page = client.get(f"/schools/{school.pk}/").content.decode()  # the console's settings
    assert "本校默认先审后发" in page
    response = client.post(f"/schools/{school.pk}/premoderation/", {"premoderate_default": "on"},
                           follow=True)
    assert "已开启默认先审后发" in response.content.decode()
    assert School.objects.get(pk=school.pk).premoderate_default
    client.post(f"/schools/{school.pk}/premoderation/", {})
    assert not School.objects.get(pk=school.pk).premoderate_default


def test_a_users_token_cannot_switch_the_school_default(client, campus):
    school, _teacher, _klass, _students = campus
    admin = make_user(school=school, role="staff")
    school.administrators.add(admin)
    app, _secret = make_user_app()
    token = mint_token(app, user=admin, scopes=["profile", "groups:write", "groups:read"])
    # No GraphQL field sets it; the page refuses bearer tokens (401), as every page does.
    response = client.post(f"/schools/{school.pk}/premoderation/", {"premoderate_default": "on"},
                           headers={"authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert graphql(client, "{ __typename }", token).status_code == 200
    assert not School.objects.get(pk=school.pk).premoderate_default


def test_an_edit_into_what_the_switches_hold_waits_again(new_account_rule):
    author = make_user()
    post = publish(author, "大家好，我是新同学")
    assert post.moderation == ContentState.VISIBLE

    feed_services.edit_post(actor=actor_for(author), post_id=post.pk,
                            text="大家好，资料在 https://pan.example.com/s/abc")

    assert Post.objects.get(pk=post.pk).moderation == ContentState.HELD
    assert case_of(post).origin == CaseOrigin.PREMODERATION
    assert not sees(make_user(), post)


PUBLISH = """mutation($group: ID!, $text: String!) {
  publishPost(input: {groupId: $group, text: $text}) {
    post { id moderationState } errors { code } } }"""
NODE = """query($id: ID!) { node(id: $id) { ... on Post { text moderationState } } }"""


def test_through_graphql_the_author_sees_it_held_and_classmates_see_nothing(client, campus):
    from yiban_core.graphql.relay import global_id

    _school, teacher, klass, (author, classmate) = campus
    set_group(klass, teacher, True)
    gql = GraphQLClient(client)

    made = gql.as_user(author).data(PUBLISH, group=global_id("Group", klass.pk),
                                    text="周五班会改到周四")["publishPost"]
    assert made["post"]["moderationState"] == "HELD" and made["errors"] == []
    post_id = made["post"]["id"]
    assert gql.as_user(author).data(NODE, id=post_id)["node"] == {
        "text": "周五班会改到周四", "moderationState": "HELD"}
    assert gql.as_user(classmate).data(NODE, id=post_id)["node"] is None
    assert gql.as_user(teacher).data(NODE, id=post_id)["node"] is None  # the queue shows it

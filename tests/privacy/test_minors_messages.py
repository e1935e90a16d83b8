"""Minors mode: no messages from strangers (messages.rules.minor_hears_from)."""

from __future__ import annotations

import pytest

from messages import rules, selectors, services
from messages.models import Conversation, Message
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
)
from tests.messages.helpers import say_in_group, send
from tests.messages.test_api import SEND, ask
from tests.privacy.minors import make_minor
from yiban_core.accounts import services as accounts
from yiban_core.errors import PermissionDenied
from yiban_core.groups import services as groups

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return make_school("北京市第八中学")


def test_a_strangers_first_message_is_refused_not_put_in_the_request_box(school):
    minor = make_minor("xiaoming", school=school)
    stranger = make_user("mosheng", school=make_school())
    with pytest.raises(PermissionDenied) as refused:
        send(stranger, minor, "加个好友吧")
    text = str(refused.value.message)
    assert "关注" in text and "未成年" not in text and "18" not in text
    assert not Message.objects.exists()
    assert selectors.inbox(actor=actor_for(minor), requests=True).items == []


def test_a_follow_by_the_stranger_alone_does_not_open_the_door(school):
    minor = make_minor(school=school)
    fan = make_user(school=school)
    accounts.follow(actor=actor_for(fan), username=minor.username)
    with pytest.raises(PermissionDenied):
        services.open_direct(actor=actor_for(fan), username=minor.username)
    assert not rules.may_message(actor_for(fan), minor)


def test_people_the_minor_follows_write_directly(school):
    minor = make_minor(school=school)
    friend = make_user(school=make_school())
    accounts.follow(actor=actor_for(minor), username=friend.username)
    message = send(friend, minor, "周末一起去科技馆")
    assert Conversation.objects.get(pk=message.conversation_id).state in (
        Conversation.State.OPEN, Conversation.State.REQUEST)
    assert rules.may_message(actor_for(friend), minor)


def test_classmates_and_teachers_write_but_interest_group_members_do_not(school):
    teacher = make_teacher(school=school)
    minor = make_minor(school=school)
    classmate = make_user(school=school)
    klass = make_class_group(teacher, name="高一（3）班", school=school)
    for person in (minor, classmate):
        groups.join_by_code(actor=actor_for(person), code=klass.join_code)
    send(classmate, minor, "作业第三题怎么做")
    send(teacher, minor, "明天带上实验报告")
    club_owner = make_user(school=school)
    club = make_interest_group(club_owner, name="无人机社")
    groups.join_group(actor=actor_for(minor), group=club)
    with pytest.raises(PermissionDenied):
        send(club_owner, minor, "社团活动通知")
    # the club's group chat still works for its members
    assert say_in_group(club_owner, club).pk
    assert say_in_group(minor, club, "收到").pk


def test_someone_the_minor_wrote_to_first_may_answer(school):
    minor = make_minor(school=school)
    senior = make_user(school=school)
    first = send(minor, senior, "学长好，请问社团招新什么时候开始")
    assert Conversation.objects.get(pk=first.conversation_id).state == Conversation.State.REQUEST
    answer = send(senior, minor, "下周一开始")
    assert answer.conversation_id == first.conversation_id
    assert Conversation.objects.get(pk=first.conversation_id).state == Conversation.State.OPEN


def test_an_adult_still_gets_requests_from_strangers():
    adult, stranger = make_user(school=make_school()), make_user()
    message = send(stranger, adult)
    assert Conversation.objects.get(pk=message.conversation_id).state == \
        Conversation.State.REQUEST


def test_the_refusal_holds_through_graphql(client, school):
    minor = make_minor("xiaohong", school=school)
    stranger = make_user("waixiao", school=make_school())
    client.force_login(stranger)
    sent = ask(client, SEND, input={"recipient": minor.username, "text": "你好"})
    errors = sent["data"]["sendMessage"]["errors"]
    assert [e["code"] for e in errors] == ["PERMISSION_DENIED"]
    assert "对方只接收" in errors[0]["message"]
    assert not Message.objects.exists()

"""Who may message whom (messages/rules.py), as the people involved notice it."""

from __future__ import annotations

import pytest

from messages import selectors, services
from messages.models import Conversation, Message
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
)
from tests.messages.helpers import befriend, say_in_group, send
from yiban_core.accounts import services as accounts
from yiban_core.errors import NotFound, PermissionDenied
from yiban_core.groups import services as groups

pytestmark = pytest.mark.django_db


def _state(message) -> str:
    return Conversation.objects.get(pk=message.conversation_id).state


def test_mutual_followers_talk_directly():
    a, b = make_user("li_lei"), make_user("han_meimei")
    befriend(a, b)
    assert _state(send(a, b)) == Conversation.State.OPEN


def test_members_of_a_shared_group_talk_directly():
    a, b = make_user(), make_user()
    group = make_interest_group(a, name="羽毛球社")
    groups.join_group(actor=actor_for(b), group=group)
    assert _state(send(b, a)) == Conversation.State.OPEN


def test_a_teacher_messages_the_members_of_their_class_directly():
    school = make_school()
    teacher = make_teacher(school=school)
    student = make_user(school=school)
    group = make_class_group(teacher, school=school)
    groups.join_by_code(actor=actor_for(student), code=group.join_code)
    assert _state(send(teacher, student)) == Conversation.State.OPEN


@pytest.mark.parametrize("relation", ["stranger", "one_way_follow"])
def test_anyone_else_lands_in_the_request_box(relation):
    a, b = make_user(), make_user()
    if relation == "one_way_follow":
        accounts.follow(actor=actor_for(a), username=b.username)
    message = send(a, b, "同学你好，请问高数笔记还能借吗")
    assert _state(message) == Conversation.State.REQUEST
    inbox = selectors.inbox(actor=actor_for(b))
    requests = selectors.inbox(actor=actor_for(b), requests=True)
    assert inbox.items == [] and [c.pk for c in requests.items] == [message.conversation_id]
    # The sender sees it in their own inbox, waiting.
    assert [c.pk for c in selectors.inbox(actor=actor_for(a)).items] == [
        message.conversation_id]


@pytest.mark.parametrize("who_blocks", ["sender", "recipient"])
def test_a_block_either_way_stops_every_message(who_blocks):
    a, b = make_user(), make_user()
    befriend(a, b)
    conversation = send(a, b).conversation
    blocker, blocked = (a, b) if who_blocks == "sender" else (b, a)
    accounts.block_user(actor=actor_for(blocker), username=blocked.username)
    with pytest.raises(PermissionDenied) as refused:
        services.send_message(actor=actor_for(a), conversation_id=conversation.pk, text="在吗")
    assert "拉黑" in refused.value.message
    with pytest.raises(PermissionDenied):
        services.open_direct(actor=actor_for(a), username=b.username)
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_a_muted_account_sends_nothing():
    from datetime import timedelta

    from django.utils import timezone

    from yiban_core.moderation.models import Sanction, SanctionKind

    a, b = make_user(), make_user()
    befriend(a, b)
    conversation = send(a, b).conversation
    Sanction.objects.create(user=a, kind=SanctionKind.MUTE,
                            until=timezone.now() + timedelta(days=1))
    with pytest.raises(PermissionDenied, match="禁言"):
        services.send_message(actor=actor_for(a), conversation_id=conversation.pk, text="在吗")
    assert Message.objects.filter(conversation=conversation).count() == 1


def test_nobody_messages_themselves():
    a = make_user()
    with pytest.raises(PermissionDenied):
        services.open_direct(actor=actor_for(a), username=a.username)


def test_in_a_group_chat_a_blocked_persons_words_are_hidden_from_the_blocker_only():
    me, pest, other = make_user("zhang_san"), make_user("pest_user"), make_user("li_si")
    group = make_interest_group(me, name="摄影社")
    for person in (pest, other):
        groups.join_group(actor=actor_for(person), group=group)
    accounts.block_user(actor=actor_for(me), username=pest.username)
    said = say_in_group(pest, group, "又是我")
    polite = say_in_group(other, group, "周六外拍")

    def texts(user):
        page = selectors.messages_of(actor=actor_for(user), conversation_id=said.conversation_id)
        return [m.text for m in page.items]

    assert texts(me) == ["周六外拍"]
    assert texts(other) == ["周六外拍", "又是我"]
    assert selectors.visible_message_ids(me.pk, [said.pk, polite.pk]) == {polite.pk}
    with pytest.raises(NotFound):
        selectors.get_message(actor=actor_for(me), pk=said.pk)

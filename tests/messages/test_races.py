"""Sends at the same moment, as real concurrent requests: on PostgreSQL each in a thread of
its own with its own connection (the conversation's row lock orders them); SQLite takes
one writer at a time, so there they run one after the other and the outcome is the same.

- many members writing into a group chat at once: every message kept, every unread count
  right, the conversation's last message the newest;
- two strangers writing each other first at once: one conversation, the second message
  answers the first's request;
- a stranger's two first messages at once: one request goes, the other is refused."""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, connections
from django.test import Client

from messages import services
from messages.models import Conversation, Message, Participant
from tests.factories import actor_for, make_interest_group, make_user
from yiban_core.graphql.relay import global_id
from yiban_core.groups import services as groups

pytestmark = pytest.mark.django_db(transaction=True)

SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  errors { code message } message { id } } }"""


def at_once(calls) -> list:
    """Run the calls together (PostgreSQL) or in turn (SQLite); their outcomes."""
    outcomes: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=10)
            outcomes[index] = call()
        except Exception as error:  # the outcome is what the test checks
            outcomes[index] = error
        finally:
            connections.close_all()

    if connection.vendor != "postgresql":
        barrier = threading.Barrier(1)
        for index, call in enumerate(calls):
            run(index, call)
        return outcomes
    barrier = threading.Barrier(len(calls))
    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return outcomes


def sender(user, variables_list):
    """A person's browser sending through /graphql, one request after another."""
    def call():
        client = Client()
        client.force_login(user)
        answers = []
        for variables in variables_list:
            response = client.post("/graphql", data=json.dumps(
                {"query": SEND, "variables": {"input": variables}}),
                content_type="application/json")
            answers.append(response.json()["data"]["sendMessage"])
        return answers
    return call


def test_members_writing_at_once_into_a_group_chat_lose_nothing():
    owner = make_user("banzhang")
    members = [make_user(f"tongxue{i}") for i in range(3)]
    group = make_interest_group(owner, name="2023级软件工程1班")
    for member in members:
        groups.join_group(actor=actor_for(member), group=group)
    chat = services.open_group_chat(actor=actor_for(owner), group_id=group.pk)
    cid = global_id("Conversation", chat.pk)
    outcomes = at_once([sender(m, [{"conversationId": cid, "text": f"{m.username} 第{n}条"}
                                   for n in range(8)]) for m in members])
    for answers in outcomes:
        assert not isinstance(answers, Exception), answers
        assert all(a["errors"] == [] for a in answers), answers
    assert Message.objects.filter(conversation=chat).count() == 24
    seats = {p.user_id: p.unread_count for p in Participant.objects.filter(conversation=chat)}
    assert seats[owner.pk] == 24
    for member in members:  # sending reads: what others said after one's own last message
        own_last = Message.objects.filter(conversation=chat, sender=member).latest("pk").pk
        after = Message.objects.filter(conversation=chat, pk__gt=own_last).exclude(
            sender=member).count()
        assert seats[member.pk] == after, (member.username, seats, after)
    chat.refresh_from_db()
    assert chat.last_message_id == Message.objects.filter(conversation=chat).latest("pk").pk


def test_two_strangers_writing_each_other_first_share_one_conversation():
    a, b = make_user("xiao_ming"), make_user("xiao_hong")
    outcomes = at_once([sender(a, [{"recipient": b.username, "text": "你好，我是小明"}]),
                        sender(b, [{"recipient": a.username, "text": "你好，我是小红"}])])
    assert all(o[0]["errors"] == [] for o in outcomes), outcomes
    conversation = Conversation.objects.get()
    assert Message.objects.filter(conversation=conversation).count() == 2
    assert conversation.state == Conversation.State.OPEN  # the second answered the first


def test_a_strangers_two_first_messages_at_once_send_one():
    stranger, student = make_user(), make_user()
    outcomes = at_once([sender(stranger, [{"recipient": student.username, "text": "在吗"}]),
                        sender(stranger, [{"recipient": student.username, "text": "在吗？"}])])
    errors = [o[0]["errors"] for o in outcomes]
    assert sorted(len(e) for e in errors) == [0, 1], errors
    assert next(e for e in errors if e)[0]["code"] == "PERMISSION_DENIED"
    assert Message.objects.count() == 1
    assert Conversation.objects.get().state == Conversation.State.REQUEST

"""Messages through GraphQL, as an app of the person's own and a school app see them."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messages import services
from openapi_plugins.scopes import scopes_for_kind
from openapi_plugins.services import register_app
from tests.factories import actor_for, make_interest_group, make_school, make_user
from tests.messages.helpers import befriend, send
from tests.openapi.helpers import make_school_app, make_user_app, mint_token
from yiban_core.errors import DomainError
from yiban_core.graphql.relay import global_id
from yiban_core.groups import services as groups

pytestmark = pytest.mark.django_db

INBOX = """{ conversations(first: 50) { edges { node { id title unreadCount kind
  otherUser { username } lastMessage { text sender { username } } } } }
  unreadMessageCount }"""
HISTORY = """query($c: ID!) { messages(conversationId: $c, first: 50) {
  edges { node { id text isMine isRecalled viewerCanRecall } } } }"""
SEND = """mutation($input: SendMessageInput!) { sendMessage(input: $input) {
  errors { code field message } message { id text } conversation { id unreadCount } } }"""


def ask(client, query, token=None, **variables):
    headers = {"authorization": f"Bearer {token}"} if token else {}
    response = client.post("/graphql", data=json.dumps({"query": query, "variables": variables}),
                           content_type="application/json", headers=headers)
    assert response.status_code == 200, response.content
    return response.json()


def test_two_classmates_chat_through_their_own_apps(client):
    a, b = make_user("zhang_san"), make_user("li_si")
    befriend(a, b)
    app, _secret = make_user_app(scopes=("messages:read", "messages:write"))
    token_a = mint_token(app, user=a, scopes=["messages:read", "messages:write"])
    token_b = mint_token(app, user=b, scopes=["messages:read", "messages:write"])
    sent = ask(client, SEND, token_a, input={"recipient": "li_si", "text": "晚上一起刷题？"})
    assert sent["data"]["sendMessage"]["errors"] == []
    conversation_id = sent["data"]["sendMessage"]["conversation"]["id"]
    inbox = ask(client, INBOX, token_b)["data"]
    assert inbox["unreadMessageCount"] == 1
    row = inbox["conversations"]["edges"][0]["node"]
    assert row["title"] == "zhang_san" and row["unreadCount"] == 1
    assert row["lastMessage"]["text"] == "晚上一起刷题？"
    ask(client, SEND, token_b, input={"conversationId": conversation_id, "text": "好，八点"})
    history = ask(client, HISTORY, token_a, c=conversation_id)["data"]["messages"]["edges"]
    assert [(e["node"]["text"], e["node"]["isMine"]) for e in history] == [
        ("好，八点", False), ("晚上一起刷题？", True)]
    read = ask(client, """mutation($c: ID!) { markConversationRead(input: {conversationId: $c})
      { errors { code } unreadMessageCount } }""", token_b, c=conversation_id)
    assert read["data"]["markConversationRead"]["unreadMessageCount"] == 0


def test_bad_input_is_a_clear_error_and_sends_nothing(client):
    a, b = make_user(), make_user()
    befriend(a, b)
    client.force_login(a)
    for given, field in [({"recipient": b.username, "text": ""}, "text"),
                         ({"recipient": b.username, "text": "长" * 2001}, "text"),
                         ({"recipient": "nobody_here", "text": "你好"}, "recipient"),
                         ({"text": "你好"}, "conversationId"),
                         ({"conversationId": "bm9wZQ==", "text": "你好"}, "conversationId")]:
        errors = ask(client, SEND, input=given)["data"]["sendMessage"]["errors"]
        assert errors and errors[0]["field"] == field, (given, errors)
    assert ask(client, INBOX)["data"]["conversations"]["edges"] == []


def test_someone_elses_conversation_reads_as_nothing(client):
    a, b, c = make_user(), make_user(), make_user()
    befriend(a, b)
    message = send(a, b, "只给你看")
    client.force_login(c)
    answer = ask(client, HISTORY, c=global_id("Conversation", message.conversation_id))
    assert answer["data"]["messages"] is None
    assert answer["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    node = ask(client, 'query($id: ID!) { node(id: $id) { id } }',
               id=global_id("Message", message.pk))
    assert node["data"]["node"] is None


def test_no_school_app_can_be_granted_or_use_a_messages_scope(client):
    school = make_school()
    assert not {s for s in scopes_for_kind("school") if s.startswith("messages")}
    with pytest.raises(DomainError):
        register_app(actor=actor_for(make_user()), name="偷看私信", kind="school",
                     scopes=["messages:read"], school=school)
    a, b = make_user(school=school), make_user(school=school)
    befriend(a, b)
    message = send(a, b, "校园卡丢了")
    app, _secret = make_school_app(school, scopes=tuple(scopes_for_kind("school")))
    token = mint_token(app)
    inbox = ask(client, INBOX, token)
    assert inbox["data"] is None or inbox["data"]["conversations"] is None
    assert "校园卡" not in json.dumps(inbox, ensure_ascii=False)
    node = ask(client, 'query($id: ID!) { node(id: $id) { id ... on Message { text } } }',
               token, id=global_id("Message", message.pk))
    assert node["data"]["node"] is None
    # Even a token forced to carry the scope reads nothing: a school app is nobody's inbox.
    forced = mint_token(app, scopes=["messages:read"])
    assert "校园卡" not in json.dumps(ask(client, INBOX, forced), ensure_ascii=False)


def test_an_inbox_page_costs_the_same_queries_for_few_or_many_conversations(client):
    me = make_user("busy_student")
    client.force_login(me)

    def queries_for(count: int) -> int:
        for _ in range(count):
            other = make_user()
            befriend(me, other)
            send(other, me, "问个问题")
        with CaptureQueriesContext(connection) as captured:
            answer = ask(client, INBOX)
        assert len(answer["data"]["conversations"]["edges"]) > 0
        return len(captured)

    assert queries_for(2) == queries_for(10)


def test_group_chat_through_graphql(client):
    owner, member = make_user(), make_user()
    group = make_interest_group(owner, name="吉他社")
    groups.join_group(actor=actor_for(member), group=group)
    client.force_login(member)
    sent = ask(client, SEND, input={"groupId": global_id("Group", group.pk), "text": "周五排练"})
    assert sent["data"]["sendMessage"]["errors"] == []
    chat = services.open_group_chat(actor=actor_for(owner), group_id=group.pk)
    client.force_login(owner)
    inbox = ask(client, INBOX)["data"]["conversations"]["edges"]
    assert [(e["node"]["title"], e["node"]["kind"]) for e in inbox] == [("吉他社", "GROUP")]
    assert inbox[0]["node"]["id"] == global_id("Conversation", chat.pk)

"""The messages pages: /messages/, a conversation, the composer, the nav badge."""

from __future__ import annotations

import pytest
from django.test import Client

from messages.models import Message
from tests.factories import actor_for, make_interest_group, make_user
from tests.messages.helpers import befriend, png, send
from yiban_core.accounts import services as accounts
from yiban_core.groups import services as groups

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_inbox_lists_conversations_with_unread_counts_and_the_nav_badge():
    a, b = make_user("chen_jing", display_name="陈静"), make_user("liu_yang")
    befriend(a, b)
    send(a, b, "周三实验课换教室了")
    send(a, b, "在实验楼 302")
    page = client_for(b).get("/messages/").content.decode()
    assert "陈静" in page and "在实验楼 302" in page
    assert 'data-unread-messages-badge aria-live="polite">2<' in page


def test_opening_a_conversation_reads_it_and_sending_adds_to_it():
    a, b = make_user(), make_user()
    befriend(a, b)
    message = send(a, b, "明天的作业是哪几题？")
    client = client_for(b)
    page = client.get(f"/messages/{message.conversation_id}/").content.decode()
    assert "明天的作业是哪几题？" in page
    assert 'data-unread-messages-badge aria-live="polite" hidden>0<' in client.get(
        "/messages/").content.decode()
    response = client.post(f"/messages/{message.conversation_id}/send/",
                           {"text": "第三章 1 到 5 题", "attachment": png()})
    assert response.status_code == 302
    reply = Message.objects.latest("pk")
    assert reply.text == "第三章 1 到 5 题" and reply.is_image
    image = client_for(a).get(reply.attachment.url)
    assert image.status_code == 200
    assert client_for(make_user()).get(reply.attachment.url).status_code == 404


def test_bad_input_on_the_page_is_a_message_and_sends_nothing():
    a, b = make_user(), make_user()
    befriend(a, b)
    message = send(a, b)
    client = client_for(a)
    response = client.post(f"/messages/{message.conversation_id}/send/", {"text": "  "})
    assert response.status_code == 400 and "消息不能为空" in response.content.decode()
    accounts.block_user(actor=actor_for(b), username=a.username)
    response = client.post(f"/messages/{message.conversation_id}/send/", {"text": "在吗"})
    assert response.status_code == 400 and "拉黑" in response.content.decode()
    assert Message.objects.count() == 1


def test_an_outsider_finds_nothing():
    a, b = make_user(), make_user()
    befriend(a, b)
    message = send(a, b, "私下说的话")
    client = client_for(make_user())
    for path in (f"/messages/{message.conversation_id}/", "/messages/"):
        response = client.get(path)
        assert "私下说的话" not in response.content.decode()
    assert client.get(f"/messages/{message.conversation_id}/").status_code == 404
    response = client.post(f"/messages/{message.conversation_id}/send/", {"text": "x"})
    assert response.status_code == 404
    assert Client().get("/messages/").status_code == 302  # to the login page


def test_profile_and_group_lead_to_a_conversation():
    a, b = make_user("wu_di"), make_user("zheng_he")
    group = make_interest_group(a, name="天文社")
    groups.join_group(actor=actor_for(b), group=group)
    client = client_for(b)
    assert 'data-testid="message-person"' in client.get("/u/wu_di/").content.decode()
    opened = client.post("/messages/to/wu_di/")
    assert opened.status_code == 302 and opened.url.startswith("/messages/")
    assert 'data-testid="group-chat"' in client.get(f"/groups/{group.pk}/").content.decode()
    chat = client.get(f"/groups/{group.pk}/chat/")
    assert chat.status_code == 302
    assert "天文社" in client.get(chat.url).content.decode()
    assert client_for(make_user()).get(f"/groups/{group.pk}/chat/").status_code == 404


def test_a_request_is_answered_on_the_page():
    stranger, student = make_user("mo_sheng", display_name="陌生人"), make_user()
    message = send(stranger, student, "你好，想请教个问题")
    client = client_for(student)
    assert "1 条消息请求" in client.get("/messages/").content.decode()
    page = client.get(f"/messages/{message.conversation_id}/").content.decode()
    assert "想给你发私信" in page
    client.post(f"/messages/{message.conversation_id}/answer/", {"accept": "1"})
    assert "陌生人" in client.get("/messages/").content.decode()

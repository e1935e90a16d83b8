"""New and recalled messages reach the other person's open sockets at once, ids only;
a socket that was away catches up with `resume`; a token without messages:read hears
nothing of them."""

from __future__ import annotations

import asyncio

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from messages import services
from realtime.consumers import LiveConsumer
from tests.factories import actor_for, make_user
from tests.messages.helpers import befriend, send
from tests.openapi.helpers import make_user_app, mint_token
from yiban_core.asgi import application

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    # The embedded default's layer: a send from any thread reaches the serving loop.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "realtime.layers.ProcessChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def connect(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    assert (await communicator.receive_json_from(timeout=3))["type"] == "hello"
    return communicator


async def next_of(communicator, kind: str) -> dict:
    while True:
        frame = await communicator.receive_json_from(timeout=3)
        if frame["type"] == kind:
            return frame


def test_a_message_and_its_recall_arrive_live():
    a, b = make_user("wang_fang"), make_user("zhao_lei")
    befriend(a, b)

    async def scenario():
        socket_b = await connect(b)
        socket_a = await connect(a)
        message = await database_sync_to_async(send)(a, b, "快看群公告")
        frame = await next_of(socket_b, "message")
        assert frame == {"type": "message", "id": message.pk,
                         "conversation_id": message.conversation_id, "unread_count": 1}
        assert "快看" not in str(frame)  # ids only: the text is fetched over HTTP
        await database_sync_to_async(services.recall_message)(actor=actor_for(a),
                                                               message_id=message.pk)
        for socket in (socket_a, socket_b):
            recalled = await next_of(socket, "message_recalled")
            assert recalled["id"] == message.pk
        await database_sync_to_async(services.mark_read)(
            actor=actor_for(b), conversation_id=message.conversation_id)
        assert (await next_of(socket_b, "messages_unread"))["unread_count"] == 0
        await socket_a.disconnect()
        await socket_b.disconnect()

    asyncio.run(scenario())


def test_a_socket_catches_up_on_messages_it_missed():
    a, b, c = make_user(), make_user(), make_user()
    befriend(a, b)
    befriend(a, c)
    first = send(a, b, "第一条")
    second = send(a, b, "第二条")
    send(a, c, "给别人的")

    async def scenario():
        socket = await connect(b)
        await socket.send_json_to({"type": "resume", "after_message": first.pk})
        frame = await next_of(socket, "message")
        await socket.send_json_to({"type": "ping"})
        assert (await socket.receive_json_from(timeout=3))["type"] == "pong"
        await socket.disconnect()
        return frame

    frame = asyncio.run(scenario())
    assert frame["id"] == second.pk and frame["unread_count"] == 2


def test_a_token_without_messages_read_hears_nothing_of_messages():
    a, b = make_user(), make_user()
    befriend(a, b)
    app, _secret = make_user_app(scopes=("notifications:read",))
    token = mint_token(app, user=b, scopes=["notifications:read"])

    async def scenario():
        socket = WebsocketCommunicator(application, "/ws/live/", headers=[
            (b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())])
        await socket.connect()
        assert (await socket.receive_json_from(timeout=3))["type"] == "hello"
        await database_sync_to_async(send)(a, b, "悄悄话")
        await socket.send_json_to({"type": "resume", "after_message": 0})
        refused = await socket.receive_json_from(timeout=3)
        await socket.send_json_to({"type": "ping"})
        after = await socket.receive_json_from(timeout=3)
        await socket.disconnect()
        return refused, after

    refused, after = asyncio.run(scenario())
    assert (refused["type"], refused["code"]) == ("error", "PERMISSION_DENIED")
    assert after["type"] == "pong"  # no message event came before it

"""The live socket answers frames with ids past the database's bigint, or of the wrong
type, with an INVALID error and stays open (it used to close with 1011)."""

import asyncio

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from realtime.consumers import LiveConsumer
from tests.factories import make_interest_group, make_user

pytestmark = pytest.mark.django_db(transaction=True)

HUGE = 99999999999999999999999


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.mark.parametrize("frame", [
    {"type": "subscribe", "stream": "group", "id": HUGE},
    {"type": "subscribe", "stream": "group", "id": 2**63},
    {"type": "subscribe", "stream": "group", "id": -HUGE},
    {"type": "subscribe", "stream": "group", "id": "12"},
    {"type": "subscribe", "stream": "group", "id": 1.5},
    {"type": "subscribe", "stream": "posts", "ids": [1, HUGE]},
    {"type": "unsubscribe", "stream": "group", "id": HUGE},
    {"type": "resume", "after_notification": HUGE},
])
def test_a_frame_with_a_bad_id_gets_an_error_and_the_socket_stays_open(frame):
    user = make_user("li_hua")
    group = make_interest_group(user)

    async def scenario():
        communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
        communicator.scope["user"] = user
        connected, _ = await communicator.connect()
        assert connected
        assert (await communicator.receive_json_from(timeout=3))["type"] == "hello"
        await communicator.send_json_to(frame)
        answer = await communicator.receive_json_from(timeout=3)
        assert answer["type"] == "error" and answer["code"] == "INVALID"
        # still open and still serving
        await communicator.send_json_to({"type": "subscribe", "stream": "group", "id": group.pk})
        assert (await communicator.receive_json_from(timeout=3)) == {
            "type": "subscribed", "stream": "group", "id": group.pk}
        await communicator.disconnect()

    asyncio.run(scenario())

"""The embedded default's channel layer: a task worker thread of the daphne process sends
from its own thread, and the socket waiting on the serving loop gets the event at once."""

import asyncio
import threading

import pytest
from asgiref.sync import async_to_sync

from realtime import events
from realtime.layers import ProcessChannelLayer


@pytest.fixture
def serving_loop():
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def on(loop, coro, timeout=5):
    return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)


def test_a_send_from_a_worker_thread_wakes_the_socket_on_the_serving_loop(serving_loop):
    layer = ProcessChannelLayer()
    channel = on(serving_loop, layer.new_channel("hub."))
    on(serving_loop, layer.group_add("user.7", channel))
    waiting = asyncio.run_coroutine_threadsafe(layer.receive(channel), serving_loop)

    # What a task does in its thread: events.send -> async_to_sync, a loop of its own.
    sent = threading.Thread(target=async_to_sync(layer.group_send), args=(
        "user.7", events.layer_message({"type": "notification", "unread_count": 3})))
    sent.start()
    sent.join(5)

    message = waiting.result(timeout=2)  # the stock in-memory layer never wakes it
    assert '"unread_count":3' in message["text"]


def test_a_send_with_no_serving_loop_is_kept_for_the_next_receive():
    layer = ProcessChannelLayer()
    async_to_sync(layer.send)("hub.inmemory!x", {"type": "live.event", "text": "{}"})

    async def receive():
        return await layer.receive("hub.inmemory!x")

    assert asyncio.run(receive()) == {"type": "live.event", "text": "{}"}


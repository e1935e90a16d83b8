"""The live socket on real daphne processes and the real local Redis (pub/sub layer):
close codes as a browser sees them, limits, idle sockets, several processes, shards."""

import asyncio
import json
import subprocess

import pytest
from channels.layers import channel_layers
from channels_redis.utils import _consistent_hash
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed, InvalidStatus

from realtime import events
from tests.live_site import free_port, wait_for_port

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]


def ws_connect(port, session=None, origin=None):
    headers = {"Cookie": f"sessionid={session}"} if session else {}
    return connect(f"ws://127.0.0.1:{port}/ws/live/", additional_headers=headers,
                   origin=origin or f"http://127.0.0.1:{port}", open_timeout=10)


async def next_of_type(ws, kind, timeout=5):
    async with asyncio.timeout(timeout):
        while True:
            frame = json.loads(await ws.recv())
            if frame["type"] == kind:
                return frame


async def close_code(ws, timeout=5) -> int:
    async with asyncio.timeout(timeout):
        try:
            while True:
                await ws.recv()
        except ConnectionClosed as closed:
            return closed.rcvd.code if closed.rcvd else None


@pytest.fixture
def layer_in_test_process(settings):
    """This process sends through the same Redis layer as the site (as a worker would)."""

    def configure(site):
        settings.CHANNEL_LAYERS = {"default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": url, "socket_timeout": None}
                                 for url in site.env["REDIS_URL"].split(",")],
                       "prefix": site.prefix}}}
        channel_layers.backends.clear()

    yield configure
    channel_layers.backends.clear()


def test_anonymous_is_closed_with_4401_and_a_foreign_origin_is_refused(make_site):
    site = make_site()
    port = site.start_daphne()

    async def scenario():
        async with ws_connect(port) as ws:
            assert await close_code(ws) == 4401
        with pytest.raises(InvalidStatus) as refused:
            async with ws_connect(port, origin="http://evil.example"):
                pass
        assert refused.value.response.status_code == 403

    asyncio.run(scenario())


def test_limits_close_with_clear_codes_and_the_server_keeps_serving(make_site):
    site = make_site()
    port = site.start_daphne()
    data = site.act("seed")
    alice = data["users"]["alice_li"]["session"]

    async def scenario():
        async with ws_connect(port, alice) as ws:
            await next_of_type(ws, "hello")
            await ws.send(json.dumps({"type": "ping", "pad": "长" * 2000}))  # 6 KB of UTF-8
            assert await close_code(ws) == 4009
        async with ws_connect(port, alice) as ws:
            await next_of_type(ws, "hello")
            for _ in range(25):
                await ws.send(json.dumps({"type": "ping"}))
            assert await close_code(ws) == 4429
        await asyncio.sleep(0.2)
        sockets = [await ws_connect(port, alice) for _ in range(10)]
        for ws in sockets:
            await next_of_type(ws, "hello")
        async with ws_connect(port, alice) as eleventh:
            assert await close_code(eleventh) == 4429
        for ws in sockets:
            await ws.close()
        await asyncio.sleep(0.3)
        async with ws_connect(port, alice) as ws:  # slots were given back; still serving
            await next_of_type(ws, "hello")
            await ws.send(json.dumps({"type": "ping"}))
            assert (await next_of_type(ws, "pong"))["type"] == "pong"

    asyncio.run(scenario())


def test_an_idle_socket_still_gets_the_next_event(make_site, layer_in_test_process):
    site = make_site()
    port = site.start_daphne()
    data = site.act("seed")
    layer_in_test_process(site)
    bob = data["users"]["bob_wang"]

    async def scenario():
        async with ws_connect(port, bob["session"]) as ws:
            await next_of_type(ws, "hello")
            await asyncio.sleep(7)  # longer than redis-py 8's 5 s default socket timeout
            await events.asend([(events.user_stream(bob["id"]), events.layer_message(
                events.notification_event(notification_id=1, kind="followed",
                                          unread_count=1)))])
            frame = await next_of_type(ws, "notification")
            assert frame["unread_count"] == 1

    asyncio.run(scenario())


def test_a_like_through_one_process_reaches_a_socket_on_another(make_site):
    site = make_site()
    port_a, port_b = site.start_daphne(), site.start_daphne()
    data = site.act("seed")
    alice, bob = data["users"]["alice_li"], data["users"]["bob_wang"]
    post_id = data["post_id"]

    async def scenario():
        async with ws_connect(port_b, alice["session"]) as ws:
            await next_of_type(ws, "hello")
            await ws.send(json.dumps({"type": "subscribe", "stream": "posts", "ids": [post_id]}))
            assert (await next_of_type(ws, "subscribed"))["ids"] == [post_id]
            liked = await asyncio.to_thread(site.http_post, port_a, f"/posts/{post_id}/like/",
                                            bob["session"])
            assert liked
            counters = await next_of_type(ws, "counters")
            assert counters == {"type": "counters", "post_id": post_id, "like_count": 1,
                                "comment_count": 0}
            # ... and the notification of the like, stored by the worker, pushed via Redis.
            await asyncio.to_thread(site.act, "like", username="carol_zhao", post_id=post_id)
            notification = await next_of_type(ws, "notification", timeout=10)
            assert notification["kind"] == "liked_post"

    asyncio.run(scenario())


def test_a_layer_sharded_over_two_redis_servers_delivers(make_site, layer_in_test_process):
    redis_port = free_port()
    second = subprocess.Popen(["redis-server", "--port", str(redis_port), "--save", "",
                               "--appendonly", "no", "--daemonize", "no"],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_for_port(redis_port, second)
        shards = f"redis://127.0.0.1:6379/13,redis://127.0.0.1:{redis_port}/0"
        site = make_site(redis_url=shards)
        data = site.act("seed")
        users = list(data["users"].values())
        # Channels and groups are placed on a shard by a hash of their name: pick the
        # run's prefix so that the seeded users' streams land on both servers.
        for attempt in range(100):
            prefix = f"shard{attempt}"
            shard_of = {u["id"]: _consistent_hash(f"{prefix}__group__user.{u['id']}", 2)
                        for u in users}
            if set(shard_of.values()) == {0, 1}:
                break
        site.prefix = site.env["CHANNEL_LAYER_PREFIX"] = prefix
        port_a, port_b = site.start_daphne(), site.start_daphne()
        layer_in_test_process(site)

        async def scenario():
            sockets = []
            for i, user in enumerate(users):
                ws = await ws_connect((port_a, port_b)[i % 2], user["session"])
                await next_of_type(ws, "hello")
                sockets.append(ws)
            for user in users:
                await events.asend([(events.user_stream(user["id"]), events.layer_message(
                    events.notification_event(notification_id=user["id"], kind="followed",
                                              unread_count=1)))])
            for user, ws in zip(users, sockets, strict=True):
                assert (await next_of_type(ws, "notification"))["id"] == user["id"]
            on_second = subprocess.run(["redis-cli", "-p", str(redis_port), "pubsub", "channels",
                                        f"{prefix}*"], capture_output=True, text=True).stdout
            assert "__group__user." in on_second  # the second server carries part of it
            for ws in sockets:
                await ws.close()

        asyncio.run(scenario())
    finally:
        second.terminate()
        second.wait(timeout=10)

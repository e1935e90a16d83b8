"""The live socket's protocol, in process (channels' WebsocketCommunicator, in-memory
layer): who may subscribe to what, what arrives where, catch-up after reconnect."""

import asyncio
import json
from unittest import mock

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.core.management import call_command

from feeds import services as feeds
from realtime import events
from realtime.consumers import LiveConsumer
from realtime.hub import get_hub
from tests.factories import actor_for, make_interest_group, make_school, make_user, verify
from yiban_core.accounts import services as accounts
from yiban_core.groups import services as groups
from yiban_core.groups.models import Invitation
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    # The embedded default's layer (in memory, sends from any thread reach the serving loop).
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "realtime.layers.ProcessChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


def run(coro):
    asyncio.run(coro)


async def connect(user) -> WebsocketCommunicator:
    communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    hello = await communicator.receive_json_from(timeout=3)
    assert hello["type"] == "hello" and hello["user_id"] == user.pk
    return communicator


async def frame_of_type(communicator, kind, timeout=3):
    while True:
        frame = await communicator.receive_json_from(timeout=timeout)
        if frame["type"] == kind:
            return frame


def worker():
    # Run from a thread next to the test's event loop: the worker's SIGINT handler
    # can only be installed in the main thread, and is not needed here.
    with mock.patch("signal.signal"):
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)


async def run_worker():
    await database_sync_to_async(worker)()


def test_anonymous_socket_is_closed_with_4401():
    async def scenario():
        from django.contrib.auth.models import AnonymousUser

        communicator = WebsocketCommunicator(LiveConsumer.as_asgi(), "/ws/live/")
        communicator.scope["user"] = AnonymousUser()
        connected, _ = await communicator.connect()
        assert connected  # accepted first, so the client sees the code
        closed = await communicator.receive_output(timeout=3)
        assert closed == {"type": "websocket.close", "code": 4401}

    run(scenario())


def test_private_group_events_reach_members_only():
    owner, member, outsider = make_user("zhang_san"), make_user("li_si"), make_user("wang_wu")
    club = make_interest_group(owner, name="考研交流群", is_private=True)
    groups.invite(actor=actor_for(owner), group=club, username=member.username)
    invitation = Invitation.objects.get(group=club, invitee=member)
    groups.answer_invitation(actor=actor_for(member), invitation_id=invitation.pk, accept=True)
    worker()

    async def scenario():
        inside, outside = await connect(member), await connect(outsider)
        await outside.send_json_to({"type": "subscribe", "stream": "group", "id": club.pk})
        refused = await outside.receive_json_from(timeout=3)
        assert refused["type"] == "error" and refused["code"] == "PERMISSION_DENIED"
        await outside.send_json_to({"type": "subscribe", "stream": "group", "id": 999999})
        assert (await outside.receive_json_from(timeout=3))["code"] == "NOT_FOUND"
        await outside.send_json_to({"type": "ping"})  # the socket stayed open
        assert (await outside.receive_json_from(timeout=3))["type"] == "pong"

        await inside.send_json_to({"type": "subscribe", "stream": "group", "id": club.pk})
        assert (await inside.receive_json_from(timeout=3)) == {
            "type": "subscribed", "stream": "group", "id": club.pk}
        post = await database_sync_to_async(feeds.publish_post)(
            actor=actor_for(owner), text="周六图书馆三楼一起刷题", group=club)
        await run_worker()
        event = await frame_of_type(inside, "new_post")
        assert event == {"type": "new_post", "post_id": post.pk, "group_id": club.pk}
        assert "刷题" not in json.dumps(event, ensure_ascii=False)  # ids, never text
        assert await outside.receive_nothing(timeout=0.3)

        # Removed from the group: the socket leaves the group's stream.
        await database_sync_to_async(groups.remove_member)(
            actor=actor_for(owner), group=club, username=member.username)
        await asyncio.sleep(0.1)
        await database_sync_to_async(feeds.publish_post)(
            actor=actor_for(owner), text="下周模拟考", group=club)
        await run_worker()
        frames = []
        while not await inside.receive_nothing(timeout=0.3):
            frames.append(await inside.receive_json_from())
        assert [f for f in frames if f["type"] == "new_post"] == []
        await inside.disconnect()
        await outside.disconnect()

    run(scenario())


def test_a_school_only_post_is_announced_to_verified_followers_only():
    school = make_school()
    author = verify(make_user("zhang_san", school=school))
    member = verify(make_user("li_si", school=school))
    newcomer = make_user("wang_wu", school=school)  # picked the school, not verified
    for fan in (member, newcomer):
        accounts.follow(actor=actor_for(fan), username="zhang_san")
    worker()

    async def scenario():
        inside, outside = await connect(member), await connect(newcomer)
        for communicator in (inside, outside):
            await communicator.send_json_to({"type": "subscribe", "stream": "home"})
            assert (await frame_of_type(communicator, "subscribed"))["stream"] == "home"
        post = await database_sync_to_async(feeds.publish_post)(
            actor=actor_for(author), text="本校选课通知", visibility="school")
        await run_worker()
        assert (await frame_of_type(inside, "new_post"))["post_id"] == post.pk
        frames = []
        while not await outside.receive_nothing(timeout=0.3):
            frames.append(await outside.receive_json_from())
        assert [f for f in frames if f["type"] == "new_post"] == []
        await inside.disconnect()
        await outside.disconnect()

    run(scenario())


def test_sockets_on_one_stream_each_get_an_event_once_and_outlive_each_other():
    """A process follows a stream once for all its sockets (realtime.hub)."""
    owner, fan = make_user("zhang_san"), make_user("li_si")
    club = make_interest_group(owner, name="编程社")
    stream = events.group_stream(club.pk)

    async def broadcast(post_id):
        await events.asend([(stream, events.layer_message(
            events.new_post_event(post_id=post_id, group_id=club.pk)))])

    async def only_new_post(socket, post_id):
        assert (await frame_of_type(socket, "new_post"))["post_id"] == post_id
        assert await socket.receive_nothing(timeout=0.2)  # once, not once per socket

    async def scenario():
        first, second, third = await connect(fan), await connect(fan), await connect(owner)
        for socket in (first, second, third):
            await socket.send_json_to({"type": "subscribe", "stream": "group", "id": club.pk})
            await frame_of_type(socket, "subscribed")
        await broadcast(1)
        for socket in (first, second, third):
            await only_new_post(socket, 1)

        await first.disconnect()  # the others stay on the stream
        await second.send_json_to({"type": "unsubscribe", "stream": "group", "id": club.pk})
        await frame_of_type(second, "unsubscribed")
        await broadcast(2)
        await only_new_post(third, 2)
        assert await second.receive_nothing(timeout=0.2)

        await second.disconnect()
        await third.disconnect()
        assert stream not in get_hub().streams  # the last one out drops the subscription

    run(scenario())


def test_notification_goes_to_its_recipient_only_and_resume_catches_up():
    alice, bob, carol = make_user("alice_li"), make_user("bob_wang"), make_user("carol_zhao")

    async def scenario():
        to_alice, to_carol = await connect(alice), await connect(carol)
        await database_sync_to_async(accounts.follow)(actor=actor_for(bob),
                                                      username=alice.username)
        await run_worker()
        pushed = await frame_of_type(to_alice, "notification")
        stored = await database_sync_to_async(Notification.objects.get)(recipient=alice)
        assert pushed == {"type": "notification", "id": stored.pk, "kind": "followed",
                          "unread_count": 1}
        assert await to_carol.receive_nothing(timeout=0.3)
        await to_alice.disconnect()

        # Offline: stored anyway; on reconnect the client resumes after the last id seen.
        await database_sync_to_async(accounts.follow)(actor=actor_for(carol),
                                                      username=alice.username)
        await run_worker()
        again = await connect(alice)
        await again.send_json_to({"type": "resume", "after_notification": stored.pk})
        missed = await frame_of_type(again, "notification")
        newest = await database_sync_to_async(
            lambda: Notification.objects.filter(recipient=alice).latest("pk"))()
        assert missed == {"type": "notification", "id": newest.pk, "kind": "followed",
                          "unread_count": 2}
        assert await again.receive_nothing(timeout=0.3)
        await again.disconnect()
        await to_carol.disconnect()

    run(scenario())


def test_reading_notifications_in_one_tab_drops_the_unread_count_in_the_others():
    from yiban_core.notifications import services as notifications

    alice, bob, carol = make_user("alice_li"), make_user("bob_wang"), make_user("carol_zhao")
    for follower in (bob, carol):
        accounts.follow(actor=actor_for(follower), username=alice.username)
    worker()

    async def scenario():
        tab, to_bob = await connect(alice), await connect(bob)
        marked = await database_sync_to_async(notifications.mark_all_read)(
            actor=actor_for(alice))
        assert marked == 2
        assert await frame_of_type(tab, "unread") == {"type": "unread", "unread_count": 0}
        assert await to_bob.receive_nothing(timeout=0.3)
        await tab.disconnect()
        await to_bob.disconnect()

    run(scenario())


def test_counters_only_for_posts_the_user_may_see():
    author, friend, stranger = make_user("chen_ming"), make_user("liu_yang"), make_user("he_jing")
    accounts.follow(actor=actor_for(friend), username=author.username)
    public = feeds.publish_post(actor=actor_for(author), text="今天的高数作业")
    hidden = feeds.publish_post(actor=actor_for(author), text="只给关注我的人看",
                                visibility="followers")

    async def scenario():
        socket = await connect(stranger)
        await socket.send_json_to({"type": "subscribe", "stream": "posts",
                                   "ids": [public.pk, hidden.pk]})
        assert (await socket.receive_json_from(timeout=3))["ids"] == [public.pk]
        await socket.send_json_to({"type": "subscribe", "stream": "posts",
                                   "ids": list(range(1, 102))})
        assert (await socket.receive_json_from(timeout=3))["code"] == "INVALID"
        await database_sync_to_async(feeds.like_post)(actor=actor_for(friend), post_id=public.pk)
        counters = await frame_of_type(socket, "counters")
        assert counters == {"type": "counters", "post_id": public.pk, "like_count": 1,
                            "comment_count": 0}
        await database_sync_to_async(feeds.like_post)(actor=actor_for(friend), post_id=hidden.pk)
        await database_sync_to_async(feeds.add_comment)(actor=actor_for(friend),
                                                        post_id=public.pk, text="一起做")
        counters = await frame_of_type(socket, "counters")
        assert counters["post_id"] == public.pk and counters["comment_count"] == 1
        await socket.disconnect()

    run(scenario())


def test_bad_frames_get_an_error_and_the_socket_stays_open():
    user = make_user("zhou_qi")

    async def scenario():
        socket = await connect(user)
        for bad in ["{not json", json.dumps([1, 2]), json.dumps({"type": "shout"}),
                    json.dumps({"type": "subscribe", "stream": "group", "id": "x"}),
                    json.dumps({"type": "resume", "after_notification": -3})]:
            await socket.send_to(text_data=bad)
            frame = await socket.receive_json_from(timeout=3)
            assert frame["type"] == "error" and frame["code"] == "INVALID", bad
        await socket.send_json_to({"type": "ping"})
        assert (await socket.receive_json_from(timeout=3))["type"] == "pong"
        await socket.disconnect()

    run(scenario())

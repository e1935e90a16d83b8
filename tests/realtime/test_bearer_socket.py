"""An app opens the live socket with an OAuth bearer token in the handshake header,
through the site's whole ASGI stack (origin check, session middleware, router)."""

import asyncio

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from tests.factories import actor_for, make_interest_group, make_school, make_user
from tests.openapi.helpers import make_school_app, make_user_app, mint_token
from yiban_core.asgi import application
from yiban_core.groups import services as groups

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def in_memory_layer(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


async def first_frame(token: str | None, origin: bytes | None = None):
    headers = [(b"host", b"127.0.0.1")]
    if token is not None:
        headers.append((b"authorization", f"Bearer {token}".encode()))
    if origin is not None:
        headers.append((b"origin", origin))
    communicator = WebsocketCommunicator(application, "/ws/live/", headers=headers)
    connected, _ = await communicator.connect()
    if not connected:
        return "refused"
    frame = await communicator.receive_output(timeout=3)
    await communicator.disconnect()
    return frame


def frame_for(token, origin=None):
    return asyncio.run(first_frame(token, origin))


def test_a_token_with_notifications_read_gets_the_users_stream():
    student = make_user("li_hua")
    app, _ = make_user_app(scopes=("profile", "notifications:read"))
    frame = frame_for(mint_token(app, user=student))
    assert frame["type"] == "websocket.send"
    assert '"type": "hello"' in frame["text"] and f'"user_id": {student.pk}' in frame["text"]


def test_a_token_without_notifications_read_is_closed_with_4403():
    app, _ = make_user_app(scopes=("profile",))
    assert frame_for(mint_token(app, user=make_user())) == {"type": "websocket.close",
                                                            "code": 4403}


def test_an_unknown_or_expired_token_is_closed_with_4401():
    app, _ = make_user_app(scopes=("notifications:read",))
    expired = mint_token(app, user=make_user(), expires_in_s=-5)
    assert frame_for("no-such-token") == {"type": "websocket.close", "code": 4401}
    assert frame_for(expired) == {"type": "websocket.close", "code": 4401}


def test_a_school_app_token_has_no_personal_stream():
    app, _ = make_school_app(make_school(), scopes=("groups:read",))
    assert frame_for(mint_token(app)) == {"type": "websocket.close", "code": 4401}


def test_a_foreign_origin_is_refused_even_with_a_token():
    app, _ = make_user_app(scopes=("notifications:read",))
    token = mint_token(app, user=make_user())
    assert frame_for(token, origin=b"https://evil.example") == "refused"
    assert frame_for(None) == "refused"  # no token, no origin: not a browser of ours


def test_a_token_without_feed_read_hears_of_no_new_posts():
    """The home and group streams announce new posts: feed content, so feed:read."""
    owner, member = make_user("zhang_san"), make_user("li_hua")
    club = make_interest_group(owner, name="摄影社")
    groups.join_group(actor=actor_for(member), group=club)
    app, _ = make_user_app(scopes=("groups:read", "notifications:read"))
    token = mint_token(app, user=member)

    async def answers():
        communicator = WebsocketCommunicator(application, "/ws/live/", headers=[
            (b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())])
        await communicator.connect()
        assert (await communicator.receive_json_from(timeout=3))["type"] == "hello"
        frames = []
        for stream in ({"stream": "home"}, {"stream": "group", "id": club.pk}):
            await communicator.send_json_to({"type": "subscribe", **stream})
            frames.append(await communicator.receive_json_from(timeout=3))
        await communicator.disconnect()
        return frames

    assert [(f["type"], f.get("code")) for f in asyncio.run(answers())] == [
        ("error", "PERMISSION_DENIED"), ("error", "PERMISSION_DENIED")]

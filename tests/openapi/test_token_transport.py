"""An access token travels in the Authorization header only (RFC 6750 2.1, RFC 9700
4.3.2): one in the URL (`?access_token=`) is refused everywhere, /o/ included, and
nothing is read with it."""

from __future__ import annotations

import asyncio
import json

import pytest
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator

from tests.factories import make_user
from tests.openapi.helpers import make_user_app, mint_token
from yiban_core.asgi import application

SCOPES = ("openid", "profile", "notifications:read")


@pytest.fixture
def token(db):
    app, _secret = make_user_app(scopes=SCOPES)
    return mint_token(app, user=make_user("li_hua"))


def test_userinfo_refuses_a_token_in_the_url_and_answers_the_header(client, token):
    refused = client.get(f"/o/userinfo/?access_token={token}")
    assert refused.status_code == 400
    assert 'error="invalid_request"' in refused["WWW-Authenticate"]
    assert b"li_hua" not in refused.content
    assert client.post(f"/o/userinfo/?access_token={token}").status_code == 400
    answered = client.get("/o/userinfo/", headers={"authorization": f"Bearer {token}"})
    assert answered.status_code == 200 and answered.json()["preferred_username"] == "li_hua"


def test_graphql_refuses_a_token_in_the_url(client, token):
    body = json.dumps({"query": "{ viewer { username } }"})
    refused = client.post(f"/graphql?access_token={token}", data=body,
                          content_type="application/json")
    assert refused.status_code == 400 and b"li_hua" not in refused.content
    assert refused.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    # Also next to a header: the token is in the logs already, the request is not served.
    both = client.post(f"/graphql?access_token={token}", data=body,
                       content_type="application/json",
                       headers={"authorization": f"Bearer {token}"})
    assert both.status_code == 400 and b"li_hua" not in both.content


def test_pages_and_introspection_refuse_it_too(client, token):
    assert client.get(f"/?access_token={token}").status_code == 400
    assert client.get(f"/o/introspect/?token={token}&access_token={token}").status_code == 400


@pytest.mark.django_db(transaction=True)
def test_a_socket_whose_url_carries_a_token_is_closed_with_4401(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    app, _secret = make_user_app(scopes=SCOPES)
    token = mint_token(app, user=make_user("li_hua"))

    async def first_frame(path):
        headers = [(b"host", b"127.0.0.1"), (b"authorization", f"Bearer {token}".encode())]
        communicator = WebsocketCommunicator(application, path, headers=headers)
        await communicator.connect()
        frame = await communicator.receive_output(timeout=3)
        await communicator.disconnect()
        return frame

    try:
        assert asyncio.run(first_frame(f"/ws/live/?access_token={token}")) == {
            "type": "websocket.close", "code": 4401}
        assert asyncio.run(first_frame("/ws/live/"))["type"] == "websocket.send"  # control
    finally:
        channel_layers.backends.clear()

"""/o/token/: guessing a client secret is stopped per client_id and address (429, an
OAuth error body, Retry-After); the right secret before the limit still works."""

from __future__ import annotations

import base64

import pytest

from openapi_plugins import token_view
from tests.factories import make_school
from tests.openapi.helpers import make_school_app

pytestmark = pytest.mark.django_db


@pytest.fixture
def school_app(db):
    app, secret = make_school_app(make_school())
    return app.application.client_id, secret


def token(client, client_id: str, secret: str, *, ip: str = "10.1.2.3", basic: bool = False):
    data = {"grant_type": "client_credentials"}
    headers = {}
    if basic:
        pair = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        headers["authorization"] = f"Basic {pair}"
    else:
        data.update(client_id=client_id, client_secret=secret)
    return client.post("/o/token/", data, REMOTE_ADDR=ip, headers=headers)


def test_guessing_the_client_secret_is_refused_with_retry_after(client, school_app):
    client_id, secret = school_app
    for i in range(token_view.FAILURES_PER_15_MIN):
        assert token(client, client_id, f"guess-{i}").status_code == 401
    refused = token(client, client_id, secret)  # even the right one, until the window ends
    assert refused.status_code == 429
    assert refused.json()["error"] == "temporarily_unavailable"
    assert "access_token" not in refused.json()
    assert 0 < int(refused["Retry-After"]) <= 900
    # Another address is not held back by this one's guesses.
    assert token(client, client_id, secret, ip="10.9.9.9").status_code == 200


def test_guesses_through_http_basic_count_the_same(client, school_app):
    client_id, secret = school_app
    for i in range(token_view.FAILURES_PER_15_MIN):
        assert token(client, client_id, f"guess-{i}", basic=True).status_code == 401
    assert token(client, client_id, secret, basic=True).status_code == 429
    assert token(client, client_id, secret).status_code == 429


def test_a_client_that_authenticates_is_not_counted(client, school_app):
    client_id, secret = school_app
    for _ in range(token_view.FAILURES_PER_15_MIN + 2):
        assert token(client, client_id, secret).status_code == 200

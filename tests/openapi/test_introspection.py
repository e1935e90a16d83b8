"""Token introspection (RFC 7662): a confidential client learns about its own tokens
only (section 4); any other token, another app's included, is `{"active": false}`,
exactly like a token that does not exist."""

from __future__ import annotations

import base64

import pytest

from tests.factories import make_school, make_user
from tests.openapi.helpers import make_school_app, make_user_app, mint_token

pytestmark = pytest.mark.django_db


def basic(client_id: str, secret: str) -> dict:
    credentials = base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    return {"authorization": f"Basic {credentials}"}


def introspect(client, token, **auth):
    body = {"token": token} if token is not None else {}
    return client.post("/o/introspect/", {**body, **auth.pop("form", {})}, headers=auth)


@pytest.fixture
def apps():
    student = make_user("li_hua")
    web_app, web_secret = make_user_app(scopes=("openid", "profile"), name="网页应用")
    school_app, school_secret = make_school_app(make_school())
    return {"student": student,
            "web": (web_app, web_secret, mint_token(web_app, user=student)),
            "school": (school_app, school_secret, mint_token(school_app))}


def test_a_client_learns_about_its_own_token(client, apps):
    web_app, secret, token = apps["web"]
    reply = introspect(client, token, **basic(web_app.application.client_id, secret))
    assert reply.status_code == 200 and reply["Cache-Control"] == "no-store"
    body = reply.json()
    assert body["active"] is True and body["username"] == "li_hua"
    assert body["client_id"] == web_app.application.client_id
    assert set(body["scope"].split()) == {"openid", "profile"}
    # The same through the form body (RFC 6749 2.3.1).
    school_app, school_secret, school_token = apps["school"]
    reply = introspect(client, school_token, form={
        "client_id": school_app.application.client_id, "client_secret": school_secret})
    assert reply.json()["active"] is True


def test_another_apps_token_is_inactive_and_says_nothing_more(client, apps):
    school_app, school_secret, _token = apps["school"]
    _web_app, _secret, web_token = apps["web"]
    reply = introspect(client, web_token, **basic(school_app.application.client_id,
                                                  school_secret))
    assert reply.status_code == 200 and reply.json() == {"active": False}
    unknown = introspect(client, "no-such-token", **basic(school_app.application.client_id,
                                                          school_secret))
    assert unknown.json() == {"active": False}


def test_without_the_clients_secret_there_is_no_answer(client, apps):
    web_app, _secret, token = apps["web"]
    client_id = web_app.application.client_id
    for auth in ({**basic(client_id, "wrong")},
                 {"authorization": f"Bearer {token}"},  # a token cannot vouch for itself
                 {"form": {"client_id": client_id}}):
        reply = introspect(client, token, **auth)
        assert reply.status_code == 401 and reply.json()["error"] == "invalid_client"
        assert b"li_hua" not in reply.content


def test_a_public_client_cannot_introspect(client):
    app, secret = make_user_app(scopes=("openid",), confidential=False)
    token = mint_token(app, user=make_user())
    reply = introspect(client, token, **basic(app.application.client_id, secret))
    assert reply.status_code == 401


def test_get_is_refused_so_the_token_stays_out_of_the_url(client, apps):
    web_app, secret, token = apps["web"]
    reply = client.get(f"/o/introspect/?token={token}",
                       headers=basic(web_app.application.client_id, secret))
    assert reply.status_code == 405 and b"li_hua" not in reply.content


def test_guessing_secrets_here_is_limited_as_at_the_token_endpoint(client, apps):
    web_app, secret, token = apps["web"]
    client_id = web_app.application.client_id
    statuses = [introspect(client, token, **basic(client_id, f"guess-{n}")).status_code
                for n in range(11)]
    assert statuses[:10] == [401] * 10 and statuses[10] == 429
    # The right secret is refused too until the window passes: nothing is checked.
    assert introspect(client, token, **basic(client_id, secret)).status_code == 429

"""The authorization endpoint's answers before any page is shown: S256-only PKCE
(RFC 9700 2.1.1, refused as RFC 6749 4.1.2.1 says) and silent authentication
(`prompt=none`, OpenID Connect Core 3.1.2.6). Each answer that goes back to the app
carries its state, and nothing is stored by a refusal."""

from __future__ import annotations

import urllib.parse

import pytest
from oauth2_provider.models import Grant

from tests.factories import make_user
from tests.openapi.helpers import make_user_app, mint_token
from tests.openapi.live import pkce_pair

pytestmark = pytest.mark.django_db

REDIRECT = "https://app.example.com/callback"
SCOPES = ("openid", "profile", "feed:read")


@pytest.fixture
def app():
    profile, _secret = make_user_app(scopes=SCOPES, redirect_uris=REDIRECT, confidential=False)
    return profile


@pytest.fixture
def student():
    return make_user("li_hua")


def authorize(client, app, **params):
    query = {"response_type": "code", "client_id": app.application.client_id,
             "redirect_uri": REDIRECT, "scope": "openid profile", "state": "st-42",
             "code_challenge": pkce_pair()[1], "code_challenge_method": "S256", **params}
    query = {name: value for name, value in query.items() if value is not None}
    return client.get("/o/authorize/?" + urllib.parse.urlencode(query))


def answer(response) -> dict:
    """The parameters the app receives at its redirect URI."""
    assert response.status_code == 302, response.content[:300]
    target = urllib.parse.urlsplit(response["Location"])
    assert f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT
    return dict(urllib.parse.parse_qsl(target.query))


# ---- PKCE: S256 only, refused before the consent page -----------------------------------


@pytest.mark.parametrize("pkce", [
    {"code_challenge_method": "plain"},
    {"code_challenge_method": None},  # RFC 7636: no method means plain
    {"code_challenge": None, "code_challenge_method": None},
], ids=["plain", "no-method", "no-challenge"])
def test_pkce_other_than_s256_goes_back_as_invalid_request_before_any_page(
        client, app, student, pkce):
    client.force_login(student)
    params = answer(authorize(client, app, **pkce))
    assert params["error"] == "invalid_request" and params["state"] == "st-42"
    assert "code" not in params
    assert not Grant.objects.exists()


def test_a_signed_out_visitor_with_a_bad_request_is_not_sent_to_log_in_first(client, app):
    for pkce in ({"code_challenge_method": "plain"},
                 {"code_challenge": None, "code_challenge_method": None}):
        params = answer(authorize(client, app, **pkce))
        assert params["error"] == "invalid_request" and params["state"] == "st-42"
    # A good request still goes to the login page.
    login = authorize(client, app)
    assert login.status_code == 302 and login["Location"].startswith("/login/")


def test_an_unknown_redirect_uri_is_an_error_page_not_a_redirect(client, app):
    page = authorize(client, app, redirect_uri="https://evil.example/cb", prompt="none")
    assert page.status_code == 400 and "Location" not in page


# ---- prompt=none ---------------------------------------------------------------------


def test_prompt_none_without_a_session_sends_login_required(client, app):
    params = answer(authorize(client, app, prompt="none"))
    assert params["error"] == "login_required" and params["state"] == "st-42"
    assert params["iss"]  # RFC 9207, as discovery advertises
    assert not Grant.objects.exists()


def test_prompt_none_without_consent_sends_consent_required(client, app, student):
    client.force_login(student)
    params = answer(authorize(client, app, prompt="none"))
    assert params["error"] == "consent_required" and params["state"] == "st-42"
    assert not Grant.objects.exists()


def test_prompt_none_after_consent_gives_a_code_without_a_page(client, app, student):
    mint_token(app, user=student, scopes=["openid", "profile"])  # granted earlier
    client.force_login(student)
    params = answer(authorize(client, app, prompt="none"))
    assert set(params) == {"code", "state", "iss"} and params["state"] == "st-42"
    assert Grant.objects.filter(user=student).count() == 1
    # More than was granted needs the page, so a silent request gets consent_required.
    wider = answer(authorize(client, app, prompt="none", scope="openid profile feed:read"))
    assert wider["error"] == "consent_required"
    # So does a request that insists on asking again.
    forced = answer(authorize(client, app, prompt="none", approval_prompt="force"))
    assert forced["error"] == "consent_required"


def test_another_users_consent_does_not_count(client, app, student):
    mint_token(app, user=make_user("wang_fang"), scopes=["openid", "profile"])
    client.force_login(student)
    assert answer(authorize(client, app, prompt="none"))["error"] == "consent_required"


def test_prompt_none_with_another_prompt_value_is_invalid(client, app, student):
    client.force_login(student)
    params = answer(authorize(client, app, prompt="none login"))
    assert params["error"] == "invalid_request" and params["state"] == "st-42"

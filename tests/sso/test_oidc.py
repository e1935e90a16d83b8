"""School sign-in with OpenID Connect, against a real provider: a second copy of this
site served by daphne, whose /o/ is 东方大学's identity provider (the claim
`member_number` carries the 学号 under `profile:verified`). Code flow with state, nonce
and PKCE; the ID token checked against the provider's JWKS, issuer and audience."""

from __future__ import annotations

import logging
import urllib.parse

import pytest

from tests.openapi.live import Agent
from tests.sso.conftest import EAST, NORTH, oidc_sign_in, signed_in_user
from yiban_core.accounts.models import User
from yiban_core.sso.models import SsoIdentity

pytestmark = pytest.mark.slow


def start(browser: Agent) -> str:
    reply = browser.get(f"/sso/{EAST}/login/")
    assert reply.status == 302
    return reply.location


def refusals(caplog) -> list[str]:
    return [record.sso["reason"] for record in caplog.records
            if getattr(record, "sso", {}).get("outcome") == "refused"]


def test_the_authorization_request_carries_state_nonce_and_pkce(site_url, schools, oidc_idp):
    location = start(Agent(site_url))
    assert location.startswith(oidc_idp["url"] + "/o/authorize/")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert query["response_type"] == "code" and query["client_id"] == oidc_idp["client_id"]
    assert query["redirect_uri"] == f"{site_url}/sso/{EAST}/callback/"
    assert query["code_challenge_method"] == "S256" and len(query["code_challenge"]) == 43
    assert query["state"] and query["nonce"] and query["state"] != query["nonce"]
    assert query["scope"] == "openid profile profile:verified"


def test_first_sign_in_opens_the_roster_account_and_verifies_it(site_url, schools, oidc_idp):
    browser = Agent(site_url)
    back = oidc_sign_in(browser, start(browser), "chen_jing", oidc_idp["password"])
    assert back.startswith(f"{site_url}/sso/{EAST}/callback/?code=")
    reply = browser.get(back)
    assert reply.status == 302 and reply.location == "/"
    roster_account = schools["east_chen"]
    assert signed_in_user(browser) == roster_account
    roster_account.refresh_from_db()
    assert roster_account.is_verified
    assert SsoIdentity.objects.get(user=roster_account).subject  # the provider's sub


def test_someone_not_on_the_roster_gets_a_new_verified_account(site_url, schools, oidc_idp):
    browser = Agent(site_url)
    reply = browser.get(oidc_sign_in(browser, start(browser), "liu_yang", oidc_idp["password"]))
    assert reply.status == 302
    user = signed_in_user(browser)
    assert (user.school_id, user.member_number) == (EAST, "E2024002") and user.is_verified
    assert user.display_name == "刘洋" and not user.has_usable_password()


def test_a_replayed_code_or_a_foreign_state_is_refused(site_url, schools, oidc_idp, caplog):
    caplog.set_level(logging.INFO, logger="yiban_core.sso")
    browser = Agent(site_url)
    back = oidc_sign_in(browser, start(browser), "liu_yang", oidc_idp["password"])
    assert browser.get(back).status == 302
    users = User.objects.count()

    thief = Agent(site_url)
    assert thief.get(back).status == 403  # no sign-in started in this browser
    start(thief)
    reply = thief.get(back)  # a sign-in started, but the state is not its own
    assert reply.status == 403 and "状态不匹配" in reply.body.decode()
    assert signed_in_user(thief) is None

    # The same browser replaying its own answer: the sign-in it started was taken.
    assert browser.get(back).status == 403
    assert refusals(caplog) == ["not_started", "state_mismatch", "not_started"]
    assert User.objects.count() == users


def test_a_code_spent_once_is_refused_by_the_provider(site_url, schools, oidc_idp, caplog):
    """The state of a fresh sign-in with an old code: the provider refuses the code."""
    caplog.set_level(logging.INFO, logger="yiban_core.sso")
    browser = Agent(site_url)
    back = oidc_sign_in(browser, start(browser), "liu_yang", oidc_idp["password"])
    assert browser.get(back).status == 302
    old_code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(back).query))["code"]

    again = Agent(site_url)
    state = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(start(again)).query))["state"]
    reply = again.get(f"/sso/{EAST}/callback/?code={old_code}&state={state}")
    assert reply.status == 403 and signed_in_user(again) is None
    assert refusals(caplog) == ["code_refused"]


def test_an_answer_for_another_schools_sign_in_is_refused(site_url, schools, oidc_idp, caplog):
    caplog.set_level(logging.INFO, logger="yiban_core.sso")
    browser = Agent(site_url)
    back = oidc_sign_in(browser, start(browser), "chen_jing", oidc_idp["password"])
    query = urllib.parse.urlsplit(back).query
    reply = browser.get(f"/sso/{NORTH}/callback/?{query}")
    assert reply.status == 403 and signed_in_user(browser) is None
    assert refusals(caplog) == ["wrong_school"]
    assert not SsoIdentity.objects.exists()
    schools["east_chen"].refresh_from_db()
    assert not schools["east_chen"].is_verified

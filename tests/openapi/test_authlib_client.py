"""A client written elsewhere, Authlib, against the site served by daphne: the
authorization code flow with PKCE (S256), the ID token validated with the JWKS the
discovery document points to, silent sign-in (`prompt=none`), refresh with rotation,
revocation and introspection. The app is a user app with a server (a confidential
client, `client_secret_basic`); a person signs in and consents with a browser."""

from __future__ import annotations

import base64
import hashlib
import urllib.parse

import pytest
import requests
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session, OAuthError
from joserfc import jwt
from joserfc.errors import BadSignatureError
from joserfc.jwk import KeySet

from tests.openapi.live import Agent, form_fields

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]

SCOPE = "openid profile feed:read"


@pytest.fixture(scope="module")
def site(oauth_site):
    return oauth_site


@pytest.fixture(scope="module")
def discovery(site):
    return requests.get(site["url"] + "/o/.well-known/openid-configuration", timeout=10).json()


def web_app(site, **kwargs) -> OAuth2Session:
    app = site["web_app"]
    return OAuth2Session(app["client_id"], app["client_secret"], scope=SCOPE,
                         redirect_uri=site["redirect_uri"], code_challenge_method="S256",
                         token_endpoint_auth_method="client_secret_basic", **kwargs)


def signed_in(site) -> Agent:
    browser = Agent(site["url"])
    browser.log_in(site["student"], site["password"])
    return browser


def authorize(browser: Agent, session: OAuth2Session, discovery, **params):
    """Send the browser to the authorization URL the client made (pressing Allow if the
    consent page comes); return where it lands, the code verifier, state and nonce."""
    verifier, nonce = generate_token(64), generate_token(20)
    url, state = session.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce, **params)
    reply = browser.get(url)
    if reply.status == 200:
        reply = browser.post_form("/o/authorize/", {**form_fields(reply.body.decode()),
                                                    "allow": "1"},
                                  Referer=browser.site + "/o/authorize/")
    assert reply.status == 302, reply.body[:300]
    assert reply.location.startswith(session.redirect_uri)
    assert reply.query()["iss"] == discovery["issuer"]  # RFC 9207: no mix-up
    return reply.location, verifier, state, nonce


def sign_in(site, discovery, browser=None, **params):
    session = web_app(site)
    location, verifier, state, nonce = authorize(browser or signed_in(site), session,
                                                 discovery, **params)
    token = session.fetch_token(discovery["token_endpoint"], authorization_response=location,
                                code_verifier=verifier, state=state)
    return session, token, nonce


def checked_id_token(token, discovery, client_id: str, nonce: str) -> dict:
    """The ID token's claims, once its signature (the JWKS) and claims hold."""
    keys = KeySet.import_key_set(requests.get(discovery["jwks_uri"], timeout=10).json())
    decoded = jwt.decode(token["id_token"], keys,
                         algorithms=discovery["id_token_signing_alg_values_supported"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": discovery["issuer"]},
        aud={"essential": True, "value": client_id}, sub={"essential": True},
        exp={"essential": True}, iat={"essential": True},
        nonce={"essential": True, "value": nonce}).validate(decoded.claims)
    digest = hashlib.sha256(token["access_token"].encode()).digest()
    at_hash = base64.urlsafe_b64encode(digest[:16]).rstrip(b"=").decode()
    assert decoded.claims["at_hash"] == at_hash  # the access token is the one it names
    return decoded.claims


def viewer(site, session: OAuth2Session) -> requests.Response:
    return session.post(site["url"] + "/graphql", json={"query": "{ viewer { username } }"},
                        timeout=10)


def test_code_flow_with_pkce_and_an_id_token_checked_against_the_jwks(site, discovery):
    session, token, nonce = sign_in(site, discovery)
    assert token["token_type"] == "Bearer" and set(token["scope"].split()) == set(SCOPE.split())
    claims = checked_id_token(token, discovery, site["web_app"]["client_id"], nonce)
    userinfo = session.get(discovery["userinfo_endpoint"], timeout=10).json()
    assert userinfo["sub"] == claims["sub"]
    assert userinfo["preferred_username"] == claims["preferred_username"] == "li_hua"
    assert viewer(site, session).json()["data"]["viewer"] == {"username": "li_hua"}


def test_a_forged_id_token_fails_the_jwks_check(site, discovery):
    _session, token, nonce = sign_in(site, discovery)
    header, payload, signature = token["id_token"].split(".")
    claims = payload + "=" * (-len(payload) % 4)
    forged_payload = base64.urlsafe_b64decode(claims).replace(b'"li_hua"', b'"wang_fang"')
    forged = ".".join([header, base64.urlsafe_b64encode(forged_payload).rstrip(b"=").decode(),
                       signature])
    with pytest.raises(BadSignatureError):
        checked_id_token({**token, "id_token": forged}, discovery,
                         site["web_app"]["client_id"], nonce)


def test_prompt_none_signs_in_silently_or_says_why_not(site, discovery):
    browser = signed_in(site)
    sign_in(site, discovery, browser)  # consented once
    session, token, nonce = sign_in(site, discovery, browser, prompt="none")
    assert checked_id_token(token, discovery, site["web_app"]["client_id"], nonce)
    assert viewer(site, session).json()["data"]["viewer"] == {"username": "li_hua"}

    # No session: the app hears login_required at its redirect URI, with its state.
    session = web_app(site)
    url, state = session.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=generate_token(64), prompt="none")
    reply = Agent(site["url"]).get(url)
    assert reply.status == 302 and reply.location.startswith(site["redirect_uri"])
    assert reply.query()["error"] == "login_required" and reply.query()["state"] == state


def test_refresh_rotates_and_a_replayed_refresh_token_ends_the_family(site, discovery):
    session, first, _nonce = sign_in(site, discovery)
    second = session.refresh_token(discovery["token_endpoint"],
                                   refresh_token=first["refresh_token"])
    assert second["refresh_token"] != first["refresh_token"]
    assert second["access_token"] != first["access_token"]
    assert viewer(site, session).json()["data"]["viewer"] == {"username": "li_hua"}
    with pytest.raises(OAuthError) as replay:
        web_app(site).refresh_token(discovery["token_endpoint"],
                                    refresh_token=first["refresh_token"])
    assert replay.value.error == "invalid_grant"
    assert viewer(site, session).status_code == 401  # the rotated token went with it


def test_introspection_tells_the_app_about_its_own_tokens_and_revocation_ends_one(
        site, discovery):
    session, token, _nonce = sign_in(site, discovery)
    about = session.introspect_token(discovery["introspection_endpoint"],
                                     token=token["access_token"]).json()
    assert about["active"] is True and about["username"] == "li_hua"
    assert about["client_id"] == site["web_app"]["client_id"]
    assert set(about["scope"].split()) == set(SCOPE.split())

    # Another app (the school's) learns nothing about this one's token.
    school = site["school_app"]
    other = OAuth2Session(school["client_id"], school["client_secret"],
                          token_endpoint_auth_method="client_secret_basic")
    assert other.introspect_token(discovery["introspection_endpoint"],
                                  token=token["access_token"]).json() == {"active": False}

    revoked = session.revoke_token(discovery["revocation_endpoint"],
                                   token=token["access_token"], token_type_hint="access_token")
    assert revoked.status_code == 200
    assert session.introspect_token(discovery["introspection_endpoint"],
                                    token=token["access_token"]).json() == {"active": False}
    assert viewer(site, session).status_code == 401
    assert urllib.parse.urlsplit(discovery["revocation_endpoint"]).path == "/o/revoke_token/"

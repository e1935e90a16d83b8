"""Every value the discovery documents advertise, checked against what the server does:
each endpoint answers, each grant and client authentication works (or what is not
advertised is refused), each claim appears in an ID token or at userinfo, and there
is one issuer. A key added to a document without a check here fails the first test."""

from __future__ import annotations

import base64
import json
import urllib.parse

import pytest
from jwcrypto import jwk, jwt

from openapi_plugins.scopes import all_scopes, scopes_for_kind
from tests.factories import PASSWORD, make_school, make_user, verify
from tests.openapi.helpers import make_school_app, make_user_app, mint_token
from tests.openapi.live import pkce_pair

pytestmark = pytest.mark.django_db

REDIRECT = "https://app.example.com/callback"
OIDC = "/o/.well-known/openid-configuration"
RFC8414 = ("/o/.well-known/oauth-authorization-server", "/.well-known/oauth-authorization-server/o")
USER_SCOPES = ("openid", "profile", "profile:verified")

CHECKED = {
    "issuer", "authorization_endpoint", "token_endpoint", "userinfo_endpoint", "jwks_uri",
    "revocation_endpoint", "introspection_endpoint", "scopes_supported",
    "response_types_supported", "subject_types_supported", "grant_types_supported",
    "id_token_signing_alg_values_supported", "token_endpoint_auth_methods_supported",
    "revocation_endpoint_auth_methods_supported",
    "introspection_endpoint_auth_methods_supported", "code_challenge_methods_supported",
    "claims_supported", "prompt_values_supported", "client_id_metadata_document_supported",
    "authorization_response_iss_parameter_supported",
}


def path(url: str) -> str:
    return urllib.parse.urlsplit(url).path


def form(client, url: str, fields: dict, **headers):
    return client.post(path(url), urllib.parse.urlencode(fields),
                       content_type="application/x-www-form-urlencoded", headers=headers)


def basic(client_id: str, secret: str) -> dict:
    return {"authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


@pytest.fixture
def doc(client):
    return client.get(OIDC).json()


@pytest.fixture
def world():
    student = verify(make_user("li_hua", school=make_school("北方大学")))
    public, _ = make_user_app(scopes=USER_SCOPES, redirect_uris=REDIRECT, confidential=False)
    private, private_secret = make_user_app(scopes=USER_SCOPES, redirect_uris=REDIRECT,
                                            name="网页应用")
    school_app, school_secret = make_school_app(make_school("南方大学"))
    return {"student": student, "public": public.application.client_id,
            "private": (private.application.client_id, private_secret),
            "school": (school_app.application.client_id, school_secret),
            "school_app": school_app}


def authorize(client, doc, client_id, **extra) -> dict:
    verifier, challenge = pkce_pair()
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": REDIRECT,
              "scope": " ".join(USER_SCOPES), "state": "s1", "nonce": "n-1",
              "code_challenge": challenge, "code_challenge_method": "S256", **extra}
    reply = client.get(path(doc["authorization_endpoint"]) + "?" + urllib.parse.urlencode(params))
    if reply.status_code == 200:  # the consent page: press Allow
        reply = client.post(path(doc["authorization_endpoint"]), {
            **{k: v for k, v in params.items() if k != "prompt"}, "allow": "1"})
    assert reply.status_code == 302, reply.content[:300]
    return {**dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(reply["Location"]).query)),
            "verifier": verifier}


def code_tokens(client, doc, world, *, app="public", **extra):
    client.force_login(world["student"])
    answer = authorize(client, doc, world["public"] if app == "public" else world[app][0])
    fields = {"grant_type": "authorization_code", "code": answer["code"],
              "redirect_uri": REDIRECT, "code_verifier": answer["verifier"]}
    if app == "public":
        fields["client_id"] = world["public"]
    reply = form(client, doc["token_endpoint"], fields, **extra)
    return answer, reply


def test_every_advertised_key_is_checked_here(client, doc):
    assert set(doc) == CHECKED
    for location in RFC8414:
        metadata = client.get(location).json()
        assert set(metadata) - {"issuer"} <= CHECKED
        assert set(metadata["scopes_supported"]) == set(doc["scopes_supported"])
        for key in set(metadata) & set(doc) - {"scopes_supported"}:
            assert metadata[key] == doc[key], key  # the issuer too


def test_one_issuer_signs_with_the_advertised_algorithm_and_the_jwks(client, doc, world):
    answer, reply = code_tokens(client, doc, world)
    assert reply.status_code == 200, reply.content
    assert answer["iss"] == doc["issuer"] and doc["authorization_response_iss_parameter_supported"]
    id_token = reply.json()["id_token"]
    header = json.loads(base64.urlsafe_b64decode(id_token.split(".")[0] + "=="))
    assert doc["id_token_signing_alg_values_supported"] == [header["alg"]] == ["RS256"]
    keys = jwk.JWKSet.from_json(client.get(path(doc["jwks_uri"])).content)
    claims = json.loads(jwt.JWT(jwt=id_token, key=keys, algs=["RS256"]).claims)
    assert claims["iss"] == doc["issuer"] and claims["aud"] == world["public"]
    assert claims["nonce"] == "n-1"


def test_each_claim_appears_in_the_id_token_or_at_userinfo(client, doc, world):
    _answer, reply = code_tokens(client, doc, world)
    tokens = reply.json()
    id_claims = json.loads(jwt.JWT(jwt=tokens["id_token"], key=jwk.JWKSet.from_json(
        client.get(path(doc["jwks_uri"])).content), algs=["RS256"]).claims)
    userinfo = client.get(path(doc["userinfo_endpoint"]),
                          headers={"authorization": f"Bearer {tokens['access_token']}"}).json()
    assert set(id_claims) | set(userinfo) == set(doc["claims_supported"])
    assert userinfo["school"] == "北方大学" and userinfo["verified"] is True
    assert doc["subject_types_supported"] == ["public"]
    assert userinfo["sub"] == id_claims["sub"] == str(world["student"].pk)


def test_scopes_are_the_registrable_ones(doc):
    assert set(doc["scopes_supported"]) == set(all_scopes()) == (
        set(scopes_for_kind("user")) | set(scopes_for_kind("school")))


def test_each_grant_type_works_and_the_others_are_refused(client, doc, world):
    assert doc["grant_types_supported"] == ["authorization_code", "client_credentials",
                                            "refresh_token"]
    _answer, reply = code_tokens(client, doc, world)
    assert reply.status_code == 200
    refreshed = form(client, doc["token_endpoint"], {
        "grant_type": "refresh_token", "refresh_token": reply.json()["refresh_token"],
        "client_id": world["public"]})
    assert refreshed.status_code == 200 and refreshed.json()["access_token"]
    school_id, school_secret = world["school"]
    granted = form(client, doc["token_endpoint"], {"grant_type": "client_credentials"},
                   **basic(school_id, school_secret))
    assert granted.status_code == 200 and granted.json()["access_token"]
    password = form(client, doc["token_endpoint"], {
        "grant_type": "password", "username": "li_hua", "password": "x",
        "client_id": world["public"]})
    assert password.status_code in (400, 401) and "access_token" not in password.json()
    # Implicit: the response types are `code` only.
    assert doc["response_types_supported"] == ["code"]
    client.force_login(world["student"])
    implicit = authorize(client, doc, world["public"], response_type="token")
    assert implicit["error"] in {"unsupported_response_type", "unauthorized_client"}
    assert "access_token" not in implicit


def test_each_client_authentication_method_works(client, doc, world):
    methods = doc["token_endpoint_auth_methods_supported"]
    assert methods == ["client_secret_basic", "client_secret_post", "none"]
    school_id, school_secret = world["school"]
    by_post = form(client, doc["token_endpoint"], {
        "grant_type": "client_credentials", "client_id": school_id,
        "client_secret": school_secret})
    assert by_post.status_code == 200
    # client_secret_basic: a confidential user app; none: the public one (code_tokens).
    _answer, by_basic = code_tokens(client, doc, world, app="private",
                                    **basic(*world["private"]))
    assert by_basic.status_code == 200
    _answer, by_none = code_tokens(client, doc, world)
    assert by_none.status_code == 200

    # Revocation takes the same methods; the public app names itself, the other signs.
    assert doc["revocation_endpoint_auth_methods_supported"] == methods
    for tokens, auth, fields in ((by_none.json(), {}, {"client_id": world["public"]}),
                                 (by_basic.json(), basic(*world["private"]), {})):
        revoked = form(client, doc["revocation_endpoint"],
                       {"token": tokens["access_token"], **fields}, **auth)
        assert revoked.status_code == 200
        assert client.get(path(doc["userinfo_endpoint"]), headers={
            "authorization": f"Bearer {tokens['access_token']}"}).status_code == 401

    # Introspection: the secret methods, not `none`.
    assert doc["introspection_endpoint_auth_methods_supported"] == methods[:2]
    token = mint_token(world["school_app"])
    for auth, fields in ((basic(school_id, school_secret), {}),
                         ({}, {"client_id": school_id, "client_secret": school_secret})):
        reply = form(client, doc["introspection_endpoint"], {"token": token, **fields}, **auth)
        assert reply.json()["active"] is True
    public = form(client, doc["introspection_endpoint"], {
        "token": by_none.json()["access_token"], "client_id": world["public"]})
    assert public.status_code == 401


def test_pkce_is_s256_only(client, doc, world):
    assert doc["code_challenge_methods_supported"] == ["S256"]
    client.force_login(world["student"])
    plain = authorize(client, doc, world["public"], code_challenge_method="plain")
    assert plain["error"] == "invalid_request"


def test_each_prompt_value_does_what_it_says(client, doc, world):
    assert doc["prompt_values_supported"] == ["none", "login"]
    code_tokens(client, doc, world)  # consented once, and the app holds a token
    silent = authorize(client, doc, world["public"], prompt="none")
    assert silent["code"] and silent["state"] == "s1"
    # prompt=login: the person signs in again although signed in, then the app gets
    # its code; the ID token's auth_time is that sign-in.
    verifier, challenge = pkce_pair()
    login = client.get(path(doc["authorization_endpoint"]) + "?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": world["public"], "redirect_uri": REDIRECT,
        "scope": "openid", "code_challenge": challenge, "code_challenge_method": "S256",
        "prompt": "login"}))
    assert login.status_code == 302 and login["Location"].startswith("/login/")
    assert "prompt" not in urllib.parse.unquote(login["Location"])
    page = client.get(login["Location"])
    assert page.status_code == 200 and b'name="password"' in page.content
    before = world["student"].last_login
    back = client.post(login["Location"], {"username": "li_hua", "password": PASSWORD})
    assert back.status_code == 302 and back["Location"].startswith("/o/authorize/")
    code = client.get(back["Location"])
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(code["Location"]).query))
    tokens = form(client, doc["token_endpoint"], {
        "grant_type": "authorization_code", "code": query["code"], "redirect_uri": REDIRECT,
        "client_id": world["public"], "code_verifier": verifier}).json()
    claims = json.loads(jwt.JWT(jwt=tokens["id_token"], key=jwk.JWKSet.from_json(
        client.get(path(doc["jwks_uri"])).content), algs=["RS256"]).claims)
    world["student"].refresh_from_db()
    assert world["student"].last_login > before
    assert claims["auth_time"] == int(world["student"].last_login.timestamp())


def test_client_id_metadata_documents_are_not_taken(client, doc):
    assert doc["client_id_metadata_document_supported"] is False
    _verifier, challenge = pkce_pair()
    page = client.get(path(doc["authorization_endpoint"]) + "?" + urllib.parse.urlencode({
        "response_type": "code", "client_id": "https://app.example.com/client.json",
        "redirect_uri": REDIRECT, "code_challenge": challenge,
        "code_challenge_method": "S256"}))
    assert page.status_code == 400 and "Location" not in page

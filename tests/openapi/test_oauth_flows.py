"""The OAuth flows over HTTP, against the site served by daphne on a loopback port.

Each refusal is the one the standards prescribe (RFC 6749, 7636, 9700) and
changes nothing: no token is issued, the data stays as it was.
"""

from __future__ import annotations

import urllib.parse

import pytest

from tests.openapi.conftest import SCHOOL_SCOPES
from tests.openapi.live import Agent, form_fields, pkce_pair

pytestmark = [pytest.mark.slow, pytest.mark.self_contained]


VIEWER_AND_TIMELINE = """{ viewer { username }
  homeTimeline(first: 10) { edges { node { text } } } }"""
NODE = "query($id: ID!) { node(id: $id) { id ... on Group { name } } }"
# A private group's name is public; its posts and members are for members only.
GROUP_CONTENT = """query($id: ID!) {
  groupTimeline(groupId: $id, first: 5) { edges { node { text } } }
  node(id: $id) { ... on Group { members(first: 5) { edges { node { user { username } } } } } }
}"""


def refused_content(reply) -> bool:
    body = reply.json()
    codes = {error["extensions"]["code"] for error in body.get("errors", [])}
    data = body.get("data") or {}
    return (data.get("groupTimeline") is None and (data.get("node") or {}).get("members") is None
            and codes == {"PERMISSION_DENIED"})


@pytest.fixture(scope="module")
def site(oauth_site):
    return oauth_site


def authorize_params(site, *, scope="openid profile feed:read", challenge=None, **extra) -> dict:
    params = {"response_type": "code", "client_id": site["user_app"]["client_id"],
              "redirect_uri": site["redirect_uri"], "scope": scope, "state": "st-123"}
    if challenge is not None:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    params.update(extra)
    return params


def consent(browser: Agent, params: dict):
    """Open the consent page and press Allow; return the redirect back to the app."""
    page = browser.get("/o/authorize/?" + urllib.parse.urlencode(params))
    if page.status != 200:
        return page
    fields = form_fields(page.body.decode())
    return browser.post_form("/o/authorize/", {**fields, "allow": "Authorize"},
                             Referer=browser.site + "/o/authorize/")


def signed_in(site) -> Agent:
    browser = Agent(site["url"])
    browser.log_in(site["student"], site["password"])
    return browser


def get_code(site, challenge, **extra) -> str:
    reply = consent(signed_in(site), authorize_params(site, challenge=challenge, **extra))
    assert reply.status == 302, reply.body[:300]
    query = reply.query()
    assert reply.location.startswith(site["redirect_uri"])
    assert query["state"] == "st-123"
    return query["code"]


def exchange(site, code, verifier, **extra):
    fields = {"grant_type": "authorization_code", "code": code,
              "redirect_uri": site["redirect_uri"], "client_id": site["user_app"]["client_id"],
              **({"code_verifier": verifier} if verifier is not None else {}), **extra}
    return Agent(site["url"]).post_form("/o/token/", fields)


def refresh(site, refresh_token):
    return Agent(site["url"]).post_form("/o/token/", {
        "grant_type": "refresh_token", "refresh_token": refresh_token,
        "client_id": site["user_app"]["client_id"]})


# ---- authorization code with PKCE ------------------------------------------------------


def test_the_full_flow_reads_the_users_home_timeline_and_openid_claims(site):
    verifier, challenge = pkce_pair()
    # Asked again even if granted before (approval_prompt=force), to read the page.
    page = signed_in(site).get("/o/authorize/?" + urllib.parse.urlencode(
        authorize_params(site, challenge=challenge, approval_prompt="force")))
    assert page.status == 200
    assert "你的首页时间线" in page.body.decode()  # each scope named in plain words

    code = get_code(site, challenge)
    tokens = exchange(site, code, verifier)
    assert tokens.status == 200, tokens.body
    body = tokens.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 3600
    assert set(body["scope"].split()) == {"openid", "profile", "feed:read"}
    assert body["id_token"].count(".") == 2 and body["refresh_token"]

    app = Agent(site["url"])
    data = app.graphql(VIEWER_AND_TIMELINE, body["access_token"]).json()["data"]
    assert data["viewer"]["username"] == "li_hua"
    texts = [edge["node"]["text"] for edge in data["homeTimeline"]["edges"]]
    assert "期末复习资料已经整理好了" in texts
    assert "组内才能看的消息" not in texts

    userinfo = app.get("/o/userinfo/", Authorization=f"Bearer {body['access_token']}").json()
    assert userinfo["preferred_username"] == "li_hua"
    assert "member_number" not in userinfo  # profile:verified was not asked for


def test_openid_discovery_and_jwks_describe_an_rs256_issuer(site):
    app = Agent(site["url"])
    discovery = app.get("/o/.well-known/openid-configuration").json()
    assert "RS256" in discovery["id_token_signing_alg_values_supported"]
    assert discovery["response_types_supported"] == ["code"]
    assert "S256" in discovery["code_challenge_methods_supported"]
    assert "plain" not in discovery["code_challenge_methods_supported"]
    [key] = app.get("/o/.well-known/jwks.json").json()["keys"]
    assert key["kty"] == "RSA" and key["alg"] == "RS256"


def test_without_a_code_challenge_the_app_gets_invalid_request(site):
    reply = consent(signed_in(site), authorize_params(site))
    assert reply.status == 302
    assert reply.query()["error"] == "invalid_request"
    assert "code" not in reply.query()


def test_the_plain_pkce_method_is_refused(site):
    verifier, _challenge = pkce_pair()
    params = authorize_params(site, code_challenge=verifier, code_challenge_method="plain")
    reply = consent(signed_in(site), params)
    assert reply.status == 302
    assert reply.query()["error"] == "invalid_request"


def test_a_wrong_or_missing_pkce_verifier_gets_invalid_grant_and_no_token(site):
    _verifier, challenge = pkce_pair()
    code = get_code(site, challenge)
    wrong = exchange(site, code, pkce_pair()[0])
    assert wrong.status == 400 and wrong.json()["error"] == "invalid_grant"
    code = get_code(site, challenge)
    missing = exchange(site, code, None)
    assert missing.status == 400
    assert missing.json()["error"] in {"invalid_request", "invalid_grant"}
    assert "access_token" not in missing.json()


def test_a_wrong_redirect_uri_is_never_redirected_to(site):
    _verifier, challenge = pkce_pair()
    params = authorize_params(site, challenge=challenge,
                              redirect_uri=site["redirect_uri"] + "/evil")
    page = signed_in(site).get("/o/authorize/?" + urllib.parse.urlencode(params))
    assert page.status in (200, 400)  # an error page on the site itself
    assert "Location" not in page.headers
    assert "evil" not in page.headers.get("Location", "")


def test_the_token_endpoint_refuses_another_redirect_uri(site):
    verifier, challenge = pkce_pair()
    code = get_code(site, challenge)
    reply = exchange(site, code, verifier, redirect_uri="http://127.0.0.1:1/elsewhere")
    assert reply.status == 400 and reply.json()["error"] in {"invalid_request", "invalid_grant"}


def test_a_scope_the_app_was_not_granted_is_refused(site):
    _verifier, challenge = pkce_pair()
    page = signed_in(site).get("/o/authorize/?" + urllib.parse.urlencode(
        authorize_params(site, challenge=challenge, scope="profile feed:write")))
    assert page.status == 302
    assert page.query()["error"] == "invalid_scope"


def test_a_reused_authorization_code_gets_invalid_grant(site):
    verifier, challenge = pkce_pair()
    code = get_code(site, challenge)
    assert exchange(site, code, verifier).status == 200
    again = exchange(site, code, verifier)
    assert again.status == 400 and again.json()["error"] == "invalid_grant"


def test_denying_consent_sends_access_denied(site):
    _verifier, challenge = pkce_pair()
    browser = signed_in(site)
    page = browser.get("/o/authorize/?" + urllib.parse.urlencode(
        authorize_params(site, challenge=challenge, approval_prompt="force")))
    assert page.status == 200
    reply = browser.post_form("/o/authorize/", form_fields(page.body.decode()),
                              Referer=site["url"] + "/o/authorize/")
    assert reply.status == 302 and reply.query()["error"] == "access_denied"


# ---- refresh tokens ------------------------------------------------------------------


def test_refresh_rotates_and_a_reused_refresh_token_revokes_the_family(site):
    verifier, challenge = pkce_pair()
    first = exchange(site, get_code(site, challenge), verifier).json()
    second = refresh(site, first["refresh_token"])
    assert second.status == 200
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    app = Agent(site["url"])
    assert app.graphql("{ viewer { username } }", second["access_token"]).status == 200

    replay = refresh(site, first["refresh_token"])
    assert replay.status == 400 and replay.json()["error"] == "invalid_grant"
    # The whole family is revoked: the token from the legitimate refresh too.
    assert app.graphql("{ viewer { username } }", second["access_token"]).status == 401
    assert refresh(site, second["refresh_token"]).json()["error"] == "invalid_grant"


def test_revocation_and_introspection(site):
    verifier, challenge = pkce_pair()
    tokens = exchange(site, get_code(site, challenge), verifier).json()
    school = site["school_app"]
    app = Agent(site["url"])
    client = {"client_id": site["user_app"]["client_id"]}
    assert app.post_form("/o/revoke_token/", {"token": tokens["access_token"], **client}
                         ).status == 200
    assert app.graphql("{ viewer { username } }", tokens["access_token"]).status == 401
    introspect = app.post_form("/o/introspect/", {
        "token": tokens["access_token"], "client_id": school["client_id"],
        "client_secret": school["client_secret"]})
    assert introspect.status == 200 and introspect.json() == {"active": False}


# ---- what a token may read -------------------------------------------------------------


def user_token(site, scope="openid profile feed:read groups:read") -> str:
    verifier, challenge = pkce_pair()
    return exchange(site, get_code(site, challenge, scope=scope), verifier).json()["access_token"]


def test_a_user_app_cannot_read_a_private_group_its_user_is_not_in(site):
    token = user_token(site)
    reply = Agent(site["url"]).graphql(GROUP_CONTENT, token, id=site["private_group"])
    assert reply.status == 200 and refused_content(reply)


def test_a_user_token_without_feed_read_gets_no_timeline(site):
    token = user_token(site, scope="openid profile")
    body = Agent(site["url"]).graphql(VIEWER_AND_TIMELINE, token).json()
    assert body["data"] is None or body["data"].get("homeTimeline") is None
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def school_token(site, **extra) -> tuple[int, dict]:
    school = site["school_app"]
    reply = Agent(site["url"]).post_form("/o/token/", {
        "grant_type": "client_credentials", "client_id": school["client_id"],
        "client_secret": school["client_secret"], **extra})
    return reply.status, reply.json()


def test_a_school_app_reads_its_school_and_not_another(site):
    status, body = school_token(site)
    assert status == 200, body
    assert set(body["scope"].split()) == set(SCHOOL_SCOPES)
    assert "refresh_token" not in body
    app = Agent(site["url"])
    own = app.graphql(NODE, body["access_token"], id=site["north_class"]).json()
    assert own["data"]["node"]["name"] == "软件工程2024级2班"
    own = app.graphql(GROUP_CONTENT, body["access_token"], id=site["north_class"]).json()
    assert own["data"]["node"]["members"]["edges"][0]["node"]["user"]["username"] == (
        "teacher_north")
    other = app.graphql(GROUP_CONTENT, body["access_token"], id=site["south_class"])
    assert refused_content(other)


def test_client_credentials_with_a_wrong_secret_or_a_scope_not_approved(site):
    status, body = school_token(site, client_secret="wrong")
    assert status == 401 and body["error"] == "invalid_client"
    status, body = school_token(site, scope="school:announce")
    assert status == 400 and body["error"] == "invalid_scope"


def test_a_user_app_cannot_use_client_credentials(site):
    reply = Agent(site["url"]).post_form("/o/token/", {
        "grant_type": "client_credentials", "client_id": site["user_app"]["client_id"]})
    assert reply.status in (400, 401)
    assert reply.json()["error"] in {"unauthorized_client", "invalid_client"}


def test_the_password_grant_is_off(site):
    reply = Agent(site["url"]).post_form("/o/token/", {
        "grant_type": "password", "username": site["student"], "password": site["password"],
        "client_id": site["user_app"]["client_id"]})
    assert reply.status in (400, 401)
    assert "access_token" not in reply.json()


# ---- limits, over HTTP ---------------------------------------------------------------

BIG_PAGE = """{ homeTimeline(first: 100) { edges { node {
  id text createdAt likeCount commentCount repostCount author { username displayName } } } } }"""


def nested(depth: int) -> str:
    inner = "id"
    for _ in range(depth):
        inner = f"replies {{ {inner} }}"
    return "{ homeTimeline(first: 1) { edges { node { comments(first: 1) { edges { node { " + \
        inner + " } } } } } } }"


def test_a_query_over_the_depth_or_cost_limit_is_refused_before_it_runs(site):
    token = user_token(site)
    app = Agent(site["url"])
    costly = app.graphql("""{ homeTimeline(first: 100) { edges { node {
        comments(first: 100) { edges { node { text } } } } } } }""", token)
    assert costly.status == 400
    assert costly.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_COSTLY"
    deep = app.graphql(nested(12), token)
    assert deep.status == 400
    assert deep.json()["errors"][0]["extensions"]["code"] == "QUERY_TOO_DEEP"


def test_a_burst_over_the_rate_limit_gets_429_with_the_headers_counting_down(site):
    token = user_token(site)
    app = Agent(site["url"])
    remaining = []
    for _ in range(30):
        reply = app.graphql(BIG_PAGE, token)
        if reply.status == 429:
            break
        assert reply.status == 200
        remaining.append(int(reply.headers["X-RateLimit-Remaining"]))
    else:
        pytest.fail("thirty big pages in a row were never limited")
    assert remaining == sorted(remaining, reverse=True) and len(remaining) >= 2
    assert int(reply.headers["Retry-After"]) > 0
    # The refused request still cost its one point of arrival; it ran nothing.
    assert int(reply.headers["X-RateLimit-Remaining"]) <= remaining[-1]
    [error] = reply.json()["errors"]
    assert error["extensions"]["code"] == "RATE_LIMITED"

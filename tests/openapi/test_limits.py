"""Limits of /graphql: depth, aliases and cost refused before anything runs, and the
rate budget per token, per user, per school app and per IP."""

from __future__ import annotations

import json

import pytest

from tests.factories import make_interest_group, make_school, make_user
from tests.graphql.conftest import gid
from tests.openapi.helpers import graphql, make_school_app, make_user_app, mint_token
from yiban_core.graphql import rate_limits
from yiban_core.groups import selectors as group_selectors
from yiban_core.groups.models import Membership

NESTED_PAGES = """query($n: Int) { groups(first: $n) { edges { node {
  members(first: $n) { edges { node { role } } } } } } }"""
JOIN = """mutation($id: ID!) { joinGroup(input: {groupId: $id}) {
  membership { role } errors { code } } }"""


@pytest.fixture
def selector_calls(monkeypatch):
    """Records every call of the groups selector: a refused query must make none."""
    calls = []
    real = group_selectors.groups

    def recording(**kwargs):
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(group_selectors, "groups", recording)
    return calls


@pytest.fixture
def pinned_clock(monkeypatch):
    """Every request of a test falls in the same window."""
    monkeypatch.setattr(rate_limits, "now", lambda: 1_767_225_630.0)  # 30 s into a minute


@pytest.fixture
def reader(db):
    student = make_user("li_hua")
    app, _secret = make_user_app(scopes=("profile", "groups:read", "groups:write"))
    return student, app


def codes(response) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in response.json().get("errors", [])]


def test_a_query_nested_too_deep_is_refused_before_it_runs(client, reader, selector_calls):
    student, app = reader
    inner = "username"
    for _ in range(5):
        inner = f"followers {{ edges {{ node {{ {inner} }} }} }}"
    query = f"{{ groups {{ edges {{ node {{ name }} }} }} viewer {{ {inner} }} }}"
    response = graphql(client, query, mint_token(app, user=student))
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"] == {"code": "QUERY_TOO_DEEP", "depth": 16, "limit": 15}
    assert "data" not in response.json() and selector_calls == []


def test_pages_inside_pages_are_too_costly_and_refused(client, reader, selector_calls):
    student, app = reader
    response = graphql(client, NESTED_PAGES, mint_token(app, user=student), n=100)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "QUERY_TOO_COSTLY"
    # groups 1 + 100 edges x (edge 1 + node 1 + members (1 + 100 x (edge + node + role)))
    assert error["extensions"]["cost"] == 1 + 100 * (1 + 1 + 1 + 100 * 3)
    assert error["extensions"]["limit"] == 5000
    assert "5000" in error["message"]
    assert selector_calls == []


def test_the_same_query_with_small_pages_runs_and_reports_its_cost(client, reader):
    student, app = reader
    response = graphql(client, NESTED_PAGES, mint_token(app, user=student), n=5)
    assert response.status_code == 200 and "errors" not in response.json()
    assert response.json()["extensions"]["cost"] == {"requested": 1 + 5 * (3 + 5 * 3),
                                                     "limit": 5000}


def test_fragments_and_inline_fragments_are_counted(client, reader):
    student, app = reader
    group = make_interest_group(student)
    query = """query($id: ID!) {
      groups(first: 10) { ...Page }
      node(id: $id) { ... on Group { name members(first: 4) { edges { node { role } } } } }
    }
    fragment Page on GroupConnection { edges { node { name } } pageInfo { hasNextPage } }"""
    response = graphql(client, query, mint_token(app, user=student), id=gid(group))
    assert response.status_code == 200, response.content
    groups_cost = 1 + 10 * (1 + 1 + 1) + 2  # edges x 10, pageInfo once
    node_cost = 1 + 1 + (1 + 4 * 3)
    assert response.json()["extensions"]["cost"]["requested"] == groups_cost + node_cost


def test_a_default_page_size_counts_when_first_is_absent(client, reader):
    student, app = reader
    response = graphql(client, "{ groups { edges { node { name } } } }",
                       mint_token(app, user=student))
    assert response.json()["extensions"]["cost"]["requested"] == 1 + 20 * 3


def test_too_many_aliases_are_refused(client, reader, selector_calls):
    student, app = reader
    fields = " ".join(f"g{i}: groups(first: 1) {{ edges {{ cursor }} }}" for i in range(31))
    response = graphql(client, f"{{ {fields} }}", mint_token(app, user=student))
    assert response.status_code == 400
    assert codes(response) == ["TOO_MANY_ALIASES"]
    assert selector_calls == []
    fields = " ".join(f"g{i}: groups(first: 1) {{ edges {{ cursor }} }}" for i in range(30))
    assert graphql(client, f"{{ {fields} }}", mint_token(app, user=student)).status_code == 200


def test_limits_follow_the_settings(client, reader, settings):
    settings.GRAPHQL_MAX_COST = 50
    student, app = reader
    response = graphql(client, "{ groups { edges { node { name } } } }",
                       mint_token(app, user=student))
    assert codes(response) == ["QUERY_TOO_COSTLY"]
    assert response.json()["errors"][0]["extensions"]["limit"] == 50


# --- rate limits --------------------------------------------------------------------------

def test_a_burst_over_the_token_budget_gets_429_and_the_headers_count_down(
        client, reader, settings, pinned_clock):
    settings.GRAPHQL_RATE_LIMITS = {**settings.GRAPHQL_RATE_LIMITS, "token": 10}
    student, app = reader
    token = mint_token(app, user=student)
    query = "{ viewer { username } }"  # viewer 1 + username 1 = 2 points
    remaining = []
    for _ in range(5):
        response = graphql(client, query, token)
        assert response.status_code == 200
        remaining.append(int(response["X-RateLimit-Remaining"]))
        assert response["X-RateLimit-Limit"] == "10"
        assert response["X-RateLimit-Reset"] == "1767225660"
        assert response.json()["extensions"]["rateLimit"] == {
            "limit": 10, "remaining": remaining[-1], "resetAt": "2026-01-01T00:01:00Z"}
    assert remaining == [8, 6, 4, 2, 0]
    refused = graphql(client, query, token)
    assert refused.status_code == 429
    assert refused["Retry-After"] == "30"
    assert refused["X-RateLimit-Remaining"] == "0"
    body = refused.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"] == {"code": "RATE_LIMITED", "retryAfter": 30}
    assert body["extensions"]["rateLimit"]["remaining"] == 0


def test_a_query_too_big_for_what_is_left_is_refused_and_costs_only_one_point(
        client, reader, settings, pinned_clock, selector_calls):
    settings.GRAPHQL_RATE_LIMITS = {**settings.GRAPHQL_RATE_LIMITS, "token": 30}
    student, app = reader
    token = mint_token(app, user=student)
    refused = graphql(client, "{ groups { edges { node { name } } } }", token)  # 61 points
    assert refused.status_code == 429 and codes(refused) == ["RATE_LIMITED"]
    assert selector_calls == []
    small = graphql(client, "{ viewer { username } }", token)
    assert small.status_code == 200
    assert small["X-RateLimit-Remaining"] == str(30 - 1 - 2)


def test_a_mutation_over_the_budget_changes_nothing(client, reader, settings, pinned_clock):
    settings.GRAPHQL_RATE_LIMITS = {**settings.GRAPHQL_RATE_LIMITS, "token": 3}
    student, app = reader
    group = make_interest_group(make_user("owner"))
    response = graphql(client, JOIN, mint_token(app, user=student), id=gid(group))
    assert response.status_code == 429 and codes(response) == ["RATE_LIMITED"]
    assert not Membership.objects.filter(user=student, group=group).exists()


def test_the_user_budget_is_shared_by_all_the_users_tokens(client, reader, settings,
                                                          pinned_clock):
    settings.GRAPHQL_RATE_LIMITS = {**settings.GRAPHQL_RATE_LIMITS, "token": 100, "user": 6}
    student, app = reader
    other_app, _secret = make_user_app(scopes=("profile",), name="课表助手")
    first, second = mint_token(app, user=student), mint_token(other_app, user=student)
    query = "{ viewer { username } }"
    assert graphql(client, query, first)["X-RateLimit-Remaining"] == "4"
    assert graphql(client, query, second)["X-RateLimit-Remaining"] == "2"
    assert graphql(client, query, first)["X-RateLimit-Remaining"] == "0"
    assert graphql(client, query, second).status_code == 429
    # Another user of the same app has a budget of their own.
    someone_else = mint_token(app, user=make_user("zhang_wei"))
    assert graphql(client, query, someone_else).status_code == 200


def test_the_web_session_counts_against_its_user(client, reader, settings, pinned_clock):
    settings.GRAPHQL_RATE_LIMITS = {**settings.GRAPHQL_RATE_LIMITS, "user": 4}
    student, app = reader
    client.force_login(student)
    query = json.dumps({"query": "{ viewer { username } }"})
    web = client.post("/graphql", data=query, content_type="application/json")
    assert web.status_code == 200 and web["X-RateLimit-Remaining"] == "2"
    token = mint_token(app, user=student)
    assert graphql(client, "{ viewer { username } }", token)["X-RateLimit-Remaining"] == "0"
    assert client.post("/graphql", data=query,
                       content_type="application/json").status_code == 429


def test_a_school_app_has_one_budget_across_its_tokens(client, db, settings, pinned_clock):
    settings.GRAPHQL_RATE_LIMITS = {**settings.GRAPHQL_RATE_LIMITS, "school_app": 2}
    app, _secret = make_school_app(make_school())
    query = "{ __typename }"  # free, but every request costs at least one point
    assert graphql(client, query, mint_token(app)).status_code == 200
    assert graphql(client, query, mint_token(app)).status_code == 200
    assert graphql(client, query, mint_token(app)).status_code == 429


def test_anonymous_requests_are_limited_per_client_ip(client, db, settings, pinned_clock):
    settings.GRAPHQL_RATE_LIMITS = {**settings.GRAPHQL_RATE_LIMITS, "anonymous": 1}
    query = json.dumps({"query": "{ __typename }"})

    def post(ip):
        return client.post("/graphql", data=query, content_type="application/json",
                           REMOTE_ADDR=ip)

    assert post("10.0.0.1").status_code == 200
    assert post("10.0.0.1").status_code == 429
    assert post("10.0.0.2").status_code == 200


def test_invalid_queries_also_spend_a_point(client, reader, settings, pinned_clock):
    settings.GRAPHQL_RATE_LIMITS = {**settings.GRAPHQL_RATE_LIMITS, "token": 2}
    student, app = reader
    token = mint_token(app, user=student)
    assert graphql(client, "{ nope }", token).status_code == 400
    assert graphql(client, "{ nope", token).status_code == 400
    assert graphql(client, "{ __typename }", token).status_code == 429

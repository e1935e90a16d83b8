"""The /graphql endpoint: CSRF for cookie sessions, no CDN page, no leaked internals."""

import json

import pytest
from django.test import Client

from tests.factories import make_interest_group
from tests.graphql.conftest import error_codes, gid
from yiban_core.groups import selectors as group_selectors
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Membership

JOIN = """mutation($id: ID!) { joinGroup(input: {groupId: $id}) {
  membership { role } errors { field code message } } }"""


def post(client: Client, query: str, headers: dict | None = None, **variables):
    return client.post("/graphql", data=json.dumps({"query": query, "variables": variables}),
                       content_type="application/json", headers=headers or {})


def test_a_cookie_session_post_without_csrf_token_is_refused(student, outsider):
    group = make_interest_group(student)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(outsider)
    response = post(browser, JOIN, id=gid(group))
    assert response.status_code == 403
    assert not Membership.objects.filter(user=outsider).exists()


def test_a_cookie_session_post_with_the_csrf_token_works(student, outsider):
    group = make_interest_group(student)
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(outsider)
    browser.get("/graphql", {"query": "{ viewer { username } }"})
    token = browser.cookies["csrftoken"].value
    response = post(browser, JOIN, headers={"X-CSRFToken": token}, id=gid(group))
    assert response.status_code == 200
    assert response.json()["data"]["joinGroup"] == {"membership": {"role": "MEMBER"},
                                                    "errors": []}


def test_no_graphiql_page_pulling_assets_from_a_cdn(client, db):
    response = client.get("/graphql", headers={"Accept": "text/html"})
    assert b"cdn.jsdelivr" not in response.content and b"<html" not in response.content.lower()
    assert response["Content-Type"] == "application/json"


def test_mutations_need_post(client, student):
    group = make_interest_group(student)
    query = f'mutation {{ joinGroup(input: {{groupId: "{gid(group)}"}}) {{ errors {{ code }} }} }}'
    response = client.get("/graphql", {"query": query})
    assert response.status_code == 405


def test_broken_json_is_a_400_with_a_message(client, db):
    response = client.post("/graphql", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["message"]


def test_a_query_error_in_a_resolver_hides_internals(client, student, monkeypatch, settings):
    settings.DEBUG = False

    def broken(**kwargs):
        raise RuntimeError("SELECT secret FROM accounts_user")

    monkeypatch.setattr(group_selectors, "groups", broken)
    client.force_login(student)
    response = post(client, "{ groups { edges { node { name } } } }")
    body = response.json()
    assert response.status_code == 200 and body["data"] == {"groups": None}
    assert error_codes(body) == [("INTERNAL", None)]
    assert "secret" not in response.content.decode()
    assert "Traceback" not in response.content.decode()


def test_a_failing_mutation_changes_nothing_and_hides_internals(client, student, outsider,
                                                                monkeypatch, settings):
    settings.DEBUG = False
    group = make_interest_group(student)
    real_join = group_services.join_group

    def join_then_crash(**kwargs):
        real_join(**kwargs)
        raise ZeroDivisionError("internal detail")

    monkeypatch.setattr(group_services, "join_group", join_then_crash)
    client.force_login(outsider)
    response = post(client, JOIN, id=gid(group))
    body = response.json()
    assert body["data"] == {"joinGroup": None}
    assert error_codes(body) == [("INTERNAL", None)]
    assert "internal detail" not in response.content.decode()
    assert not Membership.objects.filter(user=outsider).exists()
    group.refresh_from_db()
    assert group.member_count == 1


def test_unknown_fields_and_wrong_argument_types_are_refused(client, student):
    client.force_login(student)
    unknown = post(client, "{ viewer { username password } }")
    assert unknown.status_code == 400
    assert "password" in unknown.json()["errors"][0]["message"]
    wrong_type = post(client, '{ groups(first: "many") { edges { cursor } } }')
    assert wrong_type.status_code == 400


@pytest.mark.parametrize("depth,refused", [(4, False), (5, True)])
def test_queries_nested_too_deep_are_refused(client, student, depth, refused):
    client.force_login(student)
    inner = "username"
    for _ in range(depth):
        # Pages of 2: the depth is what is tested, not the cost of 20 x 20 x 20 x 20 people.
        inner = f"followers(first: 2) {{ edges {{ node {{ {inner} }} }} }}"
    response = post(client, f"{{ viewer {{ {inner} }} }}")
    if refused:
        assert response.status_code == 400
        assert "depth" in response.json()["errors"][0]["message"]
    else:
        assert response.status_code == 200 and "errors" not in response.json()

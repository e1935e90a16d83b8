"""/graphql answers whatever a client sends with a clear error, never INTERNAL or a 500:
malformed bodies, parameters of the wrong type, NUL characters, huge numbers and ids."""

from __future__ import annotations

import base64
import json

import pytest

from feeds.models import Post
from tests.factories import make_interest_group
from tests.graphql.conftest import error_codes

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999999"
VIEWER = "{ viewer { username } }"
PUBLISH = """mutation($text: String!) {
  publishPost(input: {text: $text}) { post { id } errors { code field } }
}"""


def post_body(client, body):
    return client.post("/graphql", data=body, content_type="application/json")


def codes(response) -> list[str | None]:
    return [code for code, _field in error_codes(response.json())]


@pytest.mark.parametrize("body", [
    {"query": 5},
    {"query": ["{ viewer { username } }"]},
    {"query": {"a": 1}},
    {"query": VIEWER, "variables": 5},
    {"query": VIEWER, "variables": "[1, 2]"},
    {"query": VIEWER, "variables": ["a"]},
    {"query": VIEWER, "variables": "not json"},
    {"query": VIEWER, "operationName": 5},
    {"query": VIEWER, "operationName": ["x"]},
    {"query": None},
    {},
    [1, 2],
    "just a string",
])
def test_parameters_of_the_wrong_type_are_invalid(client, student, body):
    client.force_login(student)
    response = post_body(client, json.dumps(body))
    assert response.status_code == 400
    assert codes(response) == ["INVALID"]
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize("raw", [b"{not json", b"\xff\xfe", b"[" * 100_000, b""])
def test_malformed_bodies_are_invalid(client, db, raw):
    response = client.post("/graphql", data=raw, content_type="application/json")
    assert response.status_code == 400
    assert codes(response) == ["INVALID"]


@pytest.mark.parametrize("params", [
    {"query": VIEWER, "variables": "[1]"},
    {"query": VIEWER, "variables": "{"},
    {"query": VIEWER, "operationName": "nope"},
    {"query": "{ viewer { username } ", "variables": ""},
    {"query": "{ viewer { username } }\x00"},
    {"query": VIEWER, "variables": '{"a": "\\u0000"}'},
])
def test_get_with_odd_parameters_is_a_client_error(client, student, params):
    client.force_login(student)
    response = client.get("/graphql", params)
    assert response.status_code == 400
    assert "INTERNAL" not in codes(response)
    assert all(code is not None for code in codes(response)) or response.json()["errors"]


def test_empty_variables_are_no_variables(client, student):
    client.force_login(student)
    for empty in ("", [], None):
        response = post_body(client, json.dumps({"query": VIEWER, "variables": empty}))
        assert response.status_code == 200, empty
        assert response.json()["data"]["viewer"]["username"] == student.username


def test_a_nul_in_a_variable_is_invalid_and_nothing_is_stored(client, student):
    client.force_login(student)
    response = post_body(client, json.dumps({"query": PUBLISH,
                                             "variables": {"text": "#考研\x00# 加油"}}))
    assert response.status_code == 400
    assert codes(response) == ["INVALID"]
    assert not Post.objects.exists()


def test_a_nul_in_a_string_literal_is_invalid_and_nothing_is_stored(client, student):
    client.force_login(student)
    query = 'mutation { publishPost(input: {text: "a\\u0000b"}) { errors { code } } }'
    response = post_body(client, json.dumps({"query": query}))
    assert response.status_code == 400
    assert codes(response) == ["INVALID"]
    assert not Post.objects.exists()
    topic = post_body(client, json.dumps(
        {"query": '{ topic(name: "a\\u0000b") { name } }'}))
    assert topic.status_code == 400 and codes(topic) == ["INVALID"]


def test_a_lone_surrogate_is_invalid_and_nothing_is_stored(client, student):
    """JSON may escape half of a surrogate pair ("\\ud800"): no text a person writes holds
    one, and no database can store it."""
    client.force_login(student)
    response = post_body(client, json.dumps(  # ASCII JSON: "\\ud800"
        {"query": PUBLISH, "variables": {"text": "\ud800 你好"}}))
    assert response.status_code == 400
    assert codes(response) == ["INVALID"]
    literal = post_body(client, json.dumps(  # the GraphQL parser refuses it in a literal
        {"query": 'mutation { publishPost(input: {text: "a\\udc00b"}) { errors { code } } }'}))
    assert literal.status_code == 400
    assert "Invalid Unicode escape" in literal.json()["errors"][0]["message"]
    assert not Post.objects.exists()


GROUPS_FIRST = "{ groups(first: NUMBER) { edges { cursor } } }"


@pytest.mark.parametrize("query", [
    GROUPS_FIRST.replace("NUMBER", HUGE),
    GROUPS_FIRST.replace("NUMBER", "9" * 5000),
    GROUPS_FIRST.replace("NUMBER", "-" + HUGE),
    "{ node(id: NUMBER) { id } }".replace("NUMBER", HUGE),
])
def test_huge_numbers_in_arguments_are_client_errors(client, student, query):
    client.force_login(student)
    response = post_body(client, json.dumps({"query": query}))
    assert response.status_code in (200, 400)
    assert codes(response) and "INTERNAL" not in codes(response)


def huge_gid(type_name: str, pk: str = HUGE) -> str:
    return base64.b64encode(f"{type_name}:{pk}".encode()).decode()


@pytest.mark.parametrize("type_name", ["Post", "Group", "User", "Resource", "Comment"])
def test_a_global_id_past_the_bigint_range_finds_nothing(client, student, type_name):
    client.force_login(student)
    response = post_body(client, json.dumps({"query": "query($id: ID!) { node(id: $id) { id } }",
                                             "variables": {"id": huge_gid(type_name)}}))
    body = response.json()
    assert body["data"] == {"node": None}
    assert "INTERNAL" not in codes(response)


def test_mutations_given_a_huge_id_answer_with_a_user_error(client, student):
    client.force_login(student)
    make_interest_group(student)
    mutations = {
        "joinGroup": 'joinGroup(input: {groupId: "%s"}) { errors { code field } }',
        "likePost": 'likePost(input: {postId: "%s"}) { errors { code field } }',
        "addComment": 'addComment(input: {postId: "%s", text: "好"}) { errors { code field } }',
    }
    for name, mutation in mutations.items():
        type_name = "Group" if name == "joinGroup" else "Post"
        response = post_body(client, json.dumps(
            {"query": "mutation { %s }" % (mutation % huge_gid(type_name))}))
        assert response.status_code == 200, name
        errors = response.json()["data"][name]["errors"]
        assert errors and errors[0]["code"] in ("INVALID", "NOT_FOUND"), name


@pytest.mark.parametrize("argument", ["schoolId", "courseId"])
def test_a_search_filter_past_the_bigint_range_is_invalid(client, student, argument):
    client.force_login(student)
    type_name = "School" if argument == "schoolId" else "Course"
    query = ("query($id: ID) { search(query: \"高等数学\", %s: $id) { edges { cursor } } }"
             .replace("%s", argument))
    response = post_body(client, json.dumps({"query": query,
                                             "variables": {"id": huge_gid(type_name)}}))
    assert response.status_code == 200
    assert error_codes(response.json()) == [("INVALID", argument)]

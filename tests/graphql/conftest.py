"""Helpers for the GraphQL tests: POST JSON to /graphql as a given user."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.factories import make_school, make_teacher, make_user
from yiban_core.graphql.relay import global_id


class GraphQLClient:
    def __init__(self, client):
        self.client = client

    def as_user(self, user) -> GraphQLClient:
        self.client.logout()
        if user is not None:
            self.client.force_login(user)
        return self

    def raw(self, query: str, **variables: Any):
        return self.client.post(
            "/graphql", data=json.dumps({"query": query, "variables": variables}),
            content_type="application/json",
        )

    def __call__(self, query: str, **variables: Any) -> dict:
        response = self.raw(query, **variables)
        assert response.status_code == 200, response.content
        return response.json()

    def data(self, query: str, **variables: Any) -> dict:
        """The data of a request that must succeed without any error."""
        body = self(query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"]

    def mutate(self, name: str, query: str, **variables: Any) -> dict:
        """The payload of a mutation; its errors are left for the test to check."""
        body = self(query, **variables)
        assert "errors" not in body, body["errors"]
        return body["data"][name]


@pytest.fixture
def gql(client) -> GraphQLClient:
    return GraphQLClient(client)


def error_codes(body: dict) -> list[tuple[str | None, str | None]]:
    """(code, field) of each top-level GraphQL error."""
    return [
        (e.get("extensions", {}).get("code"), e.get("extensions", {}).get("field"))
        for e in body.get("errors", [])
    ]


def gid(obj) -> str:
    return global_id(type(obj).__name__, obj.pk)


@pytest.fixture
def school(db):
    return make_school("清华大学")


@pytest.fixture
def teacher(school):
    return make_teacher("wang_laoshi", school=school)


@pytest.fixture
def student(school):
    return make_user("li_ming", school=school, display_name="李明")


@pytest.fixture
def outsider(db):
    return make_user("zhang_wei", display_name="张伟")

"""/graphql fuzzed with schemathesis: queries and mutations generated from the schema
(schema.graphql) with arbitrary arguments, some swapped for values known to hurt (NUL,
ids past the bigint range, mentions that name no one), sent anonymously and with a
user's OAuth bearer token. Whatever comes, no response is a 500 and no error is INTERNAL.

Examples are derandomized, so a run is repeatable; FUZZ_EXAMPLES (default 4 per
operation and identity) explores more, e.g. `FUZZ_EXAMPLES=200 pytest tests/graphql/test_fuzz.py`.
Mutations really run: they write into the test database, which is rolled back.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
import schemathesis
from graphql import IntValueNode, StringValueNode, Visitor, parse, print_ast, visit
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from feeds import services as feed_services
from openapi_plugins.scopes import all_scopes
from tests.factories import actor_for, make_interest_group, make_school, make_user
from tests.openapi.helpers import make_user_app, mint_token

pytestmark = pytest.mark.django_db

SCHEMA = schemathesis.graphql.from_path(Path(__file__).resolve().parents[2] / "schema.graphql")
OPERATIONS = {operation.label: operation
              for operation in (result.ok() for result in SCHEMA.get_all_operations())}
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "4"))

HUGE = "9" * 25


def _gid(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


# Values that broke things before, swapped into the generated literals now and then:
# schemathesis' own strings and numbers are rarely this pointed.
NASTY_STRINGS = ["", " ", "\x00", "a\x00b", "@... @---", "#考研#", "#\x00#", HUGE, "-1", "0",
                 "1.5", _gid("Post:" + HUGE), _gid("Group:" + HUGE), _gid("User:-1"),
                 _gid("Resource:" + "9" * 5000), _gid("Comment:1\x00"), "<script>", "\n\r\t"]
NASTY_INTS = ["0", "-1", str(2**31 - 1), str(-(2**31)), HUGE, "9" * 5000]


class _Spice(Visitor):
    """Replaces some string and Int literals of a generated query with NASTY values."""

    def __init__(self, draw):
        super().__init__()
        self.draw = draw

    def enter_string_value(self, node, *_args):
        if self.draw(st.integers(0, 3)) == 0:
            return StringValueNode(value=self.draw(st.sampled_from(NASTY_STRINGS)))
        return None

    def enter_int_value(self, node, *_args):
        if self.draw(st.integers(0, 3)) == 0:
            return IntValueNode(value=self.draw(st.sampled_from(NASTY_INTS)))
        return None


def spiced(query: str, draw) -> str:
    return print_ast(visit(parse(query), _Spice(draw)))


@pytest.fixture
def generous_budget(settings):
    """The fuzzer sends far more than a client may: rate limits are not under test here."""
    settings.GRAPHQL_RATE_LIMITS = {
        key: (value if key == "window_s" else 10**9)
        for key, value in settings.GRAPHQL_RATE_LIMITS.items()}


@pytest.fixture
def some_data():
    """A little of everything, so generated ids and names sometimes meet real objects."""
    school = make_school("清华大学")
    owner = make_user("wang_fang", school=school)
    group = make_interest_group(owner)
    feed_services.publish_post(actor=actor_for(owner), text="一起复习 #期末考试# @li_ming")
    feed_services.publish_post(actor=actor_for(owner), text="群里的通知", group=group)
    return school


@pytest.fixture
def bearer_headers(some_data) -> dict[str, str]:
    user = make_user("li_ming", school=some_data)
    user_scopes = [s for s in all_scopes() if not s.startswith("school:")]
    app, _secret = make_user_app(scopes=user_scopes)
    return {"Authorization": f"Bearer {mint_token(app, user=user)}"}


def fuzz(client, operation, headers: dict[str, str]) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
              phases=[Phase.explicit, Phase.generate, Phase.shrink],
              suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(), as_get=st.booleans(), data=st.data())
    def one_request(case, as_get, data):
        query = spiced(case.body, data.draw)
        if as_get and not query.lstrip().startswith("mutation"):
            response = client.get("/graphql", {"query": query}, headers=headers)
        else:
            response = client.post("/graphql", data=json.dumps({"query": query}),
                                   content_type="application/json", headers=headers)
        assert response.status_code < 500, (query, response.content[:500])
        body = response.json()
        codes = [(e.get("extensions") or {}).get("code") for e in body.get("errors") or []]
        assert "INTERNAL" not in codes, (query, body)

    one_request()


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_anonymous_requests_never_fail_inside(client, generous_budget, some_data, label):
    fuzz(client, OPERATIONS[label], headers={})


@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_bearer_requests_never_fail_inside(client, generous_budget, bearer_headers, label):
    fuzz(client, OPERATIONS[label], headers=bearer_headers)

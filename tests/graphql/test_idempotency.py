"""Mutations with an Idempotency-Key: a retry gets the first answer and writes nothing;
the key with other variables is a CONFLICT; answers are kept 24 hours, per actor."""

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from feeds.models import Post
from tests.factories import make_user
from tests.graphql.conftest import error_codes
from yiban_core.accounts.models import IdempotentResponse

pytestmark = pytest.mark.django_db

PUBLISH = """
mutation($text: String!) {
  publishPost(input: {text: $text}) { post { id text } errors { code message } }
}"""


def send(client, key, text="今天的复习笔记", query=PUBLISH):
    headers = {} if key is None else {"HTTP_IDEMPOTENCY_KEY": key}
    response = client.post("/graphql", data=json.dumps({"query": query,
                                                        "variables": {"text": text}}),
                           content_type="application/json", **headers)
    body = response.json()
    # A refusal with no data at all answers 400, as every such GraphQL error does here.
    assert response.status_code == (200 if body.get("data") else 400), response.content
    return body


@pytest.fixture
def author(client):
    user = make_user()
    client.force_login(user)
    return user


def test_a_retry_with_the_same_key_returns_the_first_answer(client, author):
    first = send(client, "retry-1")
    again = send(client, "retry-1")
    assert "errors" not in first
    assert again["data"] == first["data"]
    assert Post.objects.filter(author=author).count() == 1


def test_without_a_key_every_call_writes(client, author):
    send(client, None)
    send(client, None)
    assert Post.objects.filter(author=author).count() == 2


def test_the_same_key_with_other_variables_is_a_conflict(client, author):
    send(client, "retry-2")
    body = send(client, "retry-2", text="另一条动态")
    assert error_codes(body) == [("CONFLICT", None)]
    assert list(Post.objects.filter(author=author).values_list("text", flat=True)) == [
        "今天的复习笔记"]


def test_keys_belong_to_their_actor(client, author):
    send(client, "shared-key")
    other = make_user()
    client.force_login(other)
    body = send(client, "shared-key")
    assert "errors" not in body
    assert Post.objects.filter(author=other).count() == 1


def test_an_answer_older_than_a_day_is_forgotten(client, author):
    send(client, "old-key")
    IdempotentResponse.objects.update(created_at=timezone.now() - timedelta(hours=25))
    send(client, "old-key")
    assert Post.objects.filter(author=author).count() == 2
    assert IdempotentResponse.objects.count() == 1


def test_a_refused_request_stores_nothing_and_a_retry_runs_again(client, author):
    body = send(client, "bad", query=PUBLISH.replace("text }", "text nope }"))
    assert body.get("errors")
    assert IdempotentResponse.objects.count() == 0
    assert "errors" not in send(client, "bad")
    assert Post.objects.filter(author=author).count() == 1


@pytest.mark.parametrize("key", ["", "x" * 201, "bad\nkey"])
def test_a_malformed_key_is_refused_and_nothing_is_written(client, author, key):
    body = send(client, key)
    assert error_codes(body) == [("INVALID", None)]
    assert not Post.objects.exists()


def test_the_developer_docs_explain_the_header(client):
    response = client.get("/developers/docs")
    assert response.status_code == 200
    assert 'id="idempotency"' in response.content.decode()

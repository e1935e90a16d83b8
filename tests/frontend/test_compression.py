"""Pages and API answers go compressed to clients that accept gzip; files do not."""

import gzip
import json

import pytest
from django.urls import reverse

from feeds import services as feed_services
from tests.factories import actor_for, make_user
from tests.frontend.test_resource_pages import publish

pytestmark = pytest.mark.django_db

GZIP = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def test_a_page_is_gzipped_for_a_browser_and_plain_for_others(client):
    user = make_user("li_hua")
    feed_services.publish_post(actor=actor_for(user), text="今天去图书馆复习高数")
    client.force_login(user)
    zipped = client.get("/", **GZIP)
    assert zipped["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped["Vary"]
    html = gzip.decompress(zipped.content).decode()
    assert "今天去图书馆复习高数" in html
    plain = client.get("/")
    assert not plain.has_header("Content-Encoding")
    assert "今天去图书馆复习高数" in plain.content.decode()
    assert len(zipped.content) < len(plain.content) / 3


def test_graphql_answers_are_gzipped(client):
    user = make_user("li_hua")
    for n in range(5):
        feed_services.publish_post(actor=actor_for(user), text=f"第 {n} 条：今天去图书馆复习高数")
    client.force_login(user)
    query = "{ homeTimeline(first: 5) { edges { node { text author { username } } } } }"
    response = client.post("/graphql", {"query": query}, content_type="application/json",
                           **GZIP)
    assert response["Content-Encoding"] == "gzip"
    edges = json.loads(gzip.decompress(response.content))["data"]["homeTimeline"]["edges"]
    assert [edge["node"]["text"][:3] for edge in edges] == [f"第 {n}" for n in range(4, -1, -1)]


def test_a_downloaded_file_is_sent_as_it_is(client):
    resource = publish(make_user("owner"))
    client.force_login(make_user("reader"))
    response = client.get(reverse("resource_download", args=[resource.pk]), **GZIP)
    assert response.status_code == 200
    assert not response.has_header("Content-Encoding")
    assert b"".join(response.streaming_content).startswith(b"%PDF")

"""Redis only accelerates: with it killed, logins work, every write commits and every
page and GraphQL call answers as usual, and the pages are right when it is back.

Each test runs its own redis-server on a free port, with the settings production
derives from REDIS_URL (the cache, login lockout, timelines and cards)."""

from __future__ import annotations

import asyncio
import json

import pytest
from django.urls import reverse

from feeds import services as feed_services
from feeds.models import Comment, Post, PostLike
from realtime import limits
from tests.factories import PASSWORD, actor_for, make_user
from tests.own_redis import own_redis_fixture  # noqa: F401 (the own_redis fixture)
from yiban_core.accounts.models import Follow

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def home_text(client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.content.decode()


def log_in(client, password: str, username: str = "li_hua", ip: str = "10.1.2.3"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def test_pages_log_in_and_write_with_redis_killed(own_redis, client, run_worker):
    li = make_user("li_hua")
    wang = make_user("wang_fang")
    first = feed_services.publish_post(actor=actor_for(wang), text="明天交作业")
    run_worker()
    assert log_in(client, PASSWORD).status_code == 302
    assert "明天交作业" not in home_text(client)  # not followed yet

    own_redis.kill()
    # A wrong password is told so; the right one logs in (sessions are in the database).
    client.logout()
    assert log_in(client, "wrong-password").status_code == 200
    assert log_in(client, PASSWORD).status_code == 302
    assert client.post(reverse("follow", args=["wang_fang"])).status_code == 302
    assert client.post(reverse("post_create"), {"text": "今天的笔记"}).status_code == 302
    assert client.post(reverse("post_like", args=[first.pk])).status_code == 302
    assert client.post(reverse("comment_create", args=[first.pk]),
                       {"text": "收到"}).status_code == 302
    run_worker()  # fan-out fails on Redis; the worker carries on
    assert Follow.objects.filter(follower=li, followee=wang).exists()
    assert Post.objects.filter(author=li, text="今天的笔记").exists()
    assert PostLike.objects.filter(user=li, post=first).exists()
    assert Comment.objects.filter(author=li, post=first, text="收到").exists()
    page = home_text(client)
    assert "今天的笔记" in page and "明天交作业" in page

    own_redis.start()  # back, and empty
    page = home_text(client)
    assert "今天的笔记" in page and "明天交作业" in page
    assert client.post(reverse("post_create"), {"text": "恢复以后"}).status_code == 302
    run_worker()
    assert "恢复以后" in home_text(client)


def test_graphql_queries_and_mutations_with_redis_killed(own_redis, client):
    li = make_user("li_hua")
    post = feed_services.publish_post(actor=actor_for(make_user("wang_fang")), text="周末讨论")
    client.force_login(li)
    own_redis.kill()

    def gql(query: str, **variables) -> dict:
        response = client.post("/graphql", json.dumps({"query": query, "variables": variables}),
                               content_type="application/json")
        assert response.status_code == 200
        body = response.json()
        assert "errors" not in body, body
        return body["data"]

    published = gql("""mutation($text: String!) { publishPost(input: {text: $text}) {
        post { text } errors { code } } }""", text="离线也能发")
    assert published["publishPost"] == {"post": {"text": "离线也能发"}, "errors": []}
    from yiban_core.graphql.relay import global_id

    liked = gql("""mutation($id: ID!) { likePost(input: {postId: $id}) {
        post { likeCount } errors { code } } }""", id=global_id("Post", post.pk))
    assert liked["likePost"]["post"] == {"likeCount": 1}
    home = gql("{ homeTimeline(first: 5) { edges { node { text } } } }")
    assert [e["node"]["text"] for e in home["homeTimeline"]["edges"]] == ["离线也能发"]
    assert PostLike.objects.filter(user=li, post=post).exists()


def test_login_lockout_falls_back_to_each_process_with_redis_killed(own_redis, client):
    make_user("li_hua")
    own_redis.kill()
    for _ in range(4):
        assert log_in(client, "wrong-password").status_code == 200
    assert log_in(client, "wrong-password").status_code == 429
    assert log_in(client, PASSWORD).status_code == 429  # still locked, in this process
    assert log_in(client, PASSWORD, ip="10.9.9.9").status_code == 302


def test_socket_slots_are_counted_per_process_with_redis_killed(own_redis, settings):
    settings.REALTIME_MAX_CONNECTIONS_PER_USER = 2
    own_redis.kill()

    async def scenario():
        first = await limits.acquire_connection(7)
        second = await limits.acquire_connection(7)
        third = await limits.acquire_connection(7)
        await limits.release_connection(first)
        again = await limits.acquire_connection(7)
        for key in (second, again):
            await limits.release_connection(key)
        return first, second, third, again

    first, second, third, again = asyncio.run(scenario())
    assert first and second and third is None and again

"""Likes, follows, ratings, join requests and class-code guesses stop at their limits
through GraphQL too (the services hold the one rule): a RATE_LIMITED error, nothing written."""

from __future__ import annotations

import pytest

from feeds import services as feed_services
from feeds.models import PostLike
from resources import services as resource_services
from resources.models import Rating
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_teacher,
    make_user,
)
from tests.graphql.conftest import gid
from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import Follow
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group, JoinRequest, Membership

pytestmark = pytest.mark.django_db

LIKE = """mutation($input: LikePostInput!) { likePost(input: $input) {
  post { likeCount } errors { field code message } } }"""
FOLLOW = """mutation($input: FollowInput!) { follow(input: $input) {
  errors { field code message } } }"""
RATE = """mutation($input: RateResourceInput!) { rateResource(input: $input) {
  rating { stars } errors { field code message } } }"""
REQUEST = """mutation($input: RequestToJoinInput!) { requestToJoin(input: $input) {
  joinRequest { message } errors { field code message } } }"""
JOIN = """mutation($input: JoinByCodeInput!) { joinByCode(input: $input) {
  membership { role } errors { field code message } } }"""


def codes(payload: dict) -> list[str]:
    return [error["code"] for error in payload["errors"]]


def assert_rate_limited(payload: dict) -> None:
    [error] = payload["errors"]
    assert error["code"] == "RATE_LIMITED"
    assert error["message"].startswith("操作太频繁，请") and error["message"].endswith("后再试")


def test_likes_past_the_limit(gql, monkeypatch):
    monkeypatch.setattr(feed_services, "LIKES_PER_HOUR", 2)
    author, fan = make_user("author"), make_user("fan")
    posts = [feed_services.publish_post(actor=actor_for(author), text=f"第{i}条")
             for i in range(3)]
    gql.as_user(fan)
    for post in posts[:2]:
        assert codes(gql.mutate("likePost", LIKE, input={"postId": gid(post)})) == []
    refused = gql.raw(LIKE, input={"postId": gid(posts[2])})
    assert_rate_limited(refused.json()["data"]["likePost"])
    assert 0 < int(refused["Retry-After"]) <= 3600
    assert PostLike.objects.filter(user=fan).count() == 2


def test_follows_past_the_limit(gql, monkeypatch):
    monkeypatch.setattr(account_services, "FOLLOWS_PER_HOUR", 2)
    fan = make_user("fan")
    people = [make_user(f"star_{i}") for i in range(3)]
    gql.as_user(fan)
    for person in people[:2]:
        assert codes(gql.mutate("follow", FOLLOW, input={"username": person.username})) == []
    assert_rate_limited(gql.mutate("follow", FOLLOW, input={"username": people[2].username}))
    assert Follow.objects.filter(follower=fan).count() == 2


def test_ratings_past_the_limit(gql, monkeypatch):
    monkeypatch.setattr(resource_services, "RATINGS_PER_HOUR", 2)
    owner, reader = make_user("owner"), make_user("reader")
    resources = [resource_services.publish_resource(
        actor=actor_for(owner), title=f"高数笔记{i}", subject="mathematics",
        url=f"https://example.com/notes/{i}") for i in range(3)]
    gql.as_user(reader)
    for resource in resources[:2]:
        payload = gql.mutate("rateResource", RATE, input={"resourceId": gid(resource), "stars": 4})
        assert codes(payload) == []
    assert_rate_limited(gql.mutate("rateResource", RATE,
                                   input={"resourceId": gid(resources[2]), "stars": 4}))
    assert Rating.objects.filter(user=reader).count() == 2


def test_join_requests_past_the_limit(gql, monkeypatch):
    monkeypatch.setattr(group_services, "JOIN_REQUESTS_PER_HOUR", 2)
    owner, student = make_user("owner"), make_user("student")
    groups = [make_interest_group(owner, name=f"社团{i}", join_policy=Group.JoinPolicy.APPROVAL)
              for i in range(3)]
    gql.as_user(student)
    for group in groups[:2]:
        assert codes(gql.mutate("requestToJoin", REQUEST, input={"groupId": gid(group)})) == []
    assert_rate_limited(gql.mutate("requestToJoin", REQUEST, input={"groupId": gid(groups[2])}))
    assert JoinRequest.objects.filter(user=student).count() == 2


def test_guessing_class_codes(gql, monkeypatch):
    monkeypatch.setattr(group_services, "WRONG_CODES_PER_USER", 3)
    group = make_class_group(make_teacher())
    student = make_user("student")
    gql.as_user(student)
    for code in ("WRONG234", "WRONG345", "WRONG456"):
        assert codes(gql.mutate("joinByCode", JOIN, input={"code": code})) == ["INVALID"]
    assert_rate_limited(gql.mutate("joinByCode", JOIN, input={"code": group.join_code}))
    assert not Membership.objects.filter(user=student, group=group).exists()

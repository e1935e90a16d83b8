"""A bearer token acts as its owner, cut down to its scopes."""

from __future__ import annotations

import pytest

from tests.factories import make_school, make_user
from tests.openapi.helpers import graphql, make_school_app, make_user_app, mint_token

VIEWER = "{ viewer { username } }"


def test_a_user_token_reads_as_its_user(client, db):
    student = make_user("li_hua")
    app, _secret = make_user_app(scopes=("profile",))
    response = graphql(client, VIEWER, mint_token(app, user=student))
    assert response.status_code == 200
    assert response.json()["data"]["viewer"] == {"username": "li_hua"}


def test_a_bad_token_is_refused_with_the_bearer_challenge(client, db):
    response = graphql(client, VIEWER, "not-a-token")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith('Bearer error="invalid_token"')
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


def test_an_expired_token_is_refused(client, db):
    app, _secret = make_user_app(scopes=("profile",))
    token = mint_token(app, user=make_user(), expires_in_s=-1)
    assert graphql(client, VIEWER, token).status_code == 401


def test_an_uninstalled_school_app_token_stops_working(client, db):
    from openapi_plugins.services import uninstall_app
    from tests.factories import actor_for

    school = make_school()
    app, _secret = make_school_app(school)
    token = mint_token(app)
    assert graphql(client, VIEWER, token).status_code == 200
    admin = school.administrators.first()
    uninstall_app(actor=actor_for(admin), app=app)
    assert graphql(client, VIEWER, token).status_code == 401


OUT_OF_SCOPE = {
    "viewer": "viewer { username }",
    "groups": "groups(first: 2) { edges { node { name } } }",
    "myGroups": "myGroups(first: 2) { edges { node { name } } }",
    "notifications": "notifications(first: 2) { edges { node { id } } }",
    "homeTimeline": "homeTimeline(first: 2) { edges { node { id } } }",
    "resources": "resources(first: 2) { edges { node { id } } }",
    "courses": "courses(first: 2) { edges { node { id } } }",
    "rosterSections": "rosterSections(first: 2) { edges { node { id } } }",
    "myTrainingRecords": "myTrainingRecords(first: 2) { edges { node { id } } }",
}


@pytest.mark.parametrize("field", OUT_OF_SCOPE)
def test_a_token_with_only_openid_reads_nothing_else(client, db, field):
    app, _secret = make_user_app(scopes=("openid", "profile", "feed:read", "groups:read"))
    token = mint_token(app, user=make_user("scoped_reader"), scopes=["openid"])
    body = graphql(client, "{ " + OUT_OF_SCOPE[field] + " }", token).json()
    assert body["data"][field] is None
    assert [e["extensions"]["code"] for e in body["errors"]] == ["PERMISSION_DENIED"]


def test_trending_topics_need_feed_read(client, db):
    from feeds import services as feeds
    from tests.factories import actor_for

    author = make_user("topic_author")
    feeds.publish_post(actor=actor_for(author), text="#期末复习# 一起加油")
    app, _secret = make_user_app(scopes=("openid", "feed:read"))
    reader = make_user("topic_reader")
    query = "{ trendingTopics { name } }"
    with_scope = graphql(client, query, mint_token(app, user=reader, scopes=["feed:read"]))
    without = graphql(client, query, mint_token(app, user=reader, scopes=["openid"]))
    assert with_scope.json()["data"]["trendingTopics"] == [{"name": "期末复习"}]
    assert without.json()["data"]["trendingTopics"] == []

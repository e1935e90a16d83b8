"""A bearer token acts as its owner, cut down to its scopes."""

from __future__ import annotations

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

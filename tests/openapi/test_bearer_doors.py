"""A bearer token opens /graphql (and the websocket handshake) only.

Anywhere else a request carrying one gets 401: the token never becomes a web
session, never reaches the admin and never skips CSRF on a form.
"""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.urls import reverse

from tests.factories import PASSWORD, agree_to_policies, make_school, make_user
from tests.openapi.helpers import graphql, make_school_app, make_user_app, mint_token
from yiban_core.accounts.models import User
from yiban_core.groups.models import Group

ALL_USER_SCOPES = ("openid", "profile", "feed:read", "feed:write", "groups:read",
                   "groups:write", "resources:read", "resources:write", "notifications:read")


def bearer(token: str) -> dict:
    return {"authorization": f"Bearer {token}"}


@pytest.fixture
def site_admin_token(db):
    """The token of a site admin (staff, superuser) through a user app with every user scope."""
    admin = agree_to_policies(User.objects.create_superuser("root_admin", password=PASSWORD))
    app, _secret = make_user_app(scopes=ALL_USER_SCOPES)
    return admin, mint_token(app, user=admin)


class FormFields(HTMLParser):
    """What a browser would submit from a page's forms: inputs, checked boxes, selected
    options, text areas."""

    def __init__(self):
        super().__init__()
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._textarea: str | None = None

    def _add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            else:
                self._add(name, a.get("value") or "")
        elif tag == "select":
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self._add(self._select, a.get("value") or "")
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None

    def handle_data(self, data):
        if self._textarea:
            self.data[self._textarea][-1] += data


def change_form(client, url: str) -> dict[str, list[str]]:
    parser = FormFields()
    parser.feed(client.get(url).content.decode())
    return parser.data


def test_a_site_admins_token_does_not_open_the_admin(client, site_admin_token):
    _admin, token = site_admin_token
    response = client.get(reverse("admin:index"), headers=bearer(token))
    assert response.status_code == 401
    assert "WWW-Authenticate" in response
    assert b"root_admin" not in response.content


def test_the_admin_change_form_posted_with_a_token_alone_changes_nobody(
        client, site_admin_token):
    """The attack: the change form of a student, is_superuser ticked, POSTed with the
    admin's token and no cookie nor CSRF token."""
    admin, token = site_admin_token
    student = make_user("li_hua")
    url = reverse("admin:accounts_user_change", args=[student.pk])
    admin_browser = type(client)()
    admin_browser.force_login(admin)
    data = change_form(admin_browser, url)
    data.pop("csrfmiddlewaretoken", None)
    data.update({"is_staff": ["on"], "is_superuser": ["on"], "display_name": ["被改了"]})

    response = client.post(url, data, headers=bearer(token))

    assert response.status_code == 401
    student.refresh_from_db()
    assert (student.is_staff, student.is_superuser, student.display_name) == (
        False, False, "li_hua")


def test_a_form_posted_with_a_token_creates_nothing(client, site_admin_token):
    _admin, token = site_admin_token
    response = client.post(reverse("group_create"), {"name": "令牌建的群", "kind": "interest"},
                           headers=bearer(token))
    assert response.status_code == 401
    assert not Group.objects.filter(name="令牌建的群").exists()


def test_a_profile_form_posted_with_a_token_changes_nothing(client, site_admin_token):
    admin, token = site_admin_token
    response = client.post(reverse("edit_profile"), {"display_name": "令牌改的名字"},
                           headers=bearer(token))
    assert response.status_code == 401
    admin.refresh_from_db()
    assert admin.display_name != "令牌改的名字"


def test_a_follow_button_posted_with_a_token_follows_nobody(client, site_admin_token):
    admin, token = site_admin_token
    make_user("wang_fang")
    response = client.post(reverse("follow", args=["wang_fang"]), headers=bearer(token))
    assert response.status_code == 401
    admin.refresh_from_db()
    assert admin.following_count == 0


@pytest.mark.parametrize("page", ["home", "notifications", "points", "developer_apps"])
def test_a_page_opened_with_a_token_is_never_logged_in(client, site_admin_token, page):
    _admin, token = site_admin_token
    response = client.get(reverse(page), headers=bearer(token))
    assert response.status_code == 401
    assert b"root_admin" not in response.content


def test_a_token_on_a_page_does_not_ride_on_a_session_either(client, db):
    """A browser's session plus someone's token: refused, not the session's page."""
    student = make_user("li_hua")
    client.force_login(student)
    app, _secret = make_user_app(scopes=("profile",))
    response = client.get(reverse("home"), headers=bearer(mint_token(app, user=make_user())))
    assert response.status_code == 401


def test_a_school_apps_token_opens_no_page(client, db):
    school = make_school()
    app, _secret = make_school_app(school)
    response = client.get(reverse("school_apps", args=[school.pk]),
                          headers=bearer(mint_token(app)))
    assert response.status_code == 401


def test_a_token_still_works_on_graphql_without_csrf(client, db):
    student = make_user("li_hua")
    app, _secret = make_user_app(scopes=("profile", "groups:write"))
    token = mint_token(app, user=student)
    mutation = """mutation { createGroup(input: {name: "接口建的群", kind: INTEREST}) {
        group { name } errors { code message } } }"""
    response = graphql(client, mutation, token)
    assert response.status_code == 200
    assert response.json()["data"]["createGroup"] == {"group": {"name": "接口建的群"},
                                                      "errors": []}
    # and it was a token request, not a session: nothing was logged in
    assert "sessionid" not in response.cookies
    assert client.get(reverse("notifications")).status_code == 302


def test_on_graphql_the_token_wins_over_a_session_cookie(client, db):
    """The browser's session is ignored on a token request: the viewer is the token's."""
    client.force_login(make_user("session_user"))
    app, _secret = make_user_app(scopes=("profile",))
    response = graphql(client, "{ viewer { username } }",
                       mint_token(app, user=make_user("token_user")))
    assert response.json()["data"]["viewer"] == {"username": "token_user"}


def test_a_bad_token_on_a_page_is_refused_too(client, db):
    response = client.get(reverse("home"), headers=bearer("not-a-token"))
    assert response.status_code == 401


def test_oauth_endpoints_still_read_tokens_themselves(client, db):
    student = make_user("li_hua")
    app, _secret = make_user_app(scopes=("openid", "profile"))
    response = client.get("/o/userinfo/", headers=bearer(mint_token(app, user=student)))
    assert response.status_code == 200
    assert response.json()["preferred_username"] == "li_hua"

"""Every redirect target read from a request stays on this site (yiban_core.redirects).

`next` on the action buttons, login, logout and the language switch: anything that
would send the browser to another host gives way to the page's safe default.
"""

from __future__ import annotations

import pytest
from django.test import RequestFactory
from django.urls import reverse

from feeds import services as feeds
from tests.factories import PASSWORD, actor_for, make_interest_group, make_user
from yiban_core.redirects import is_safe_redirect

ELSEWHERE = [
    "/\\evil.example",
    "//evil.example",
    "https://evil.example",
    "http://evil.example/login",
    "\\\\evil.example",
    "\\/evil.example",
    "/%5Cevil.example",
    "/%5C%5Cevil.example",
    "/%255Cevil.example",
    "%2F%2Fevil.example",
    "/%2F/evil.example",
    "///evil.example",
    "/\t/evil.example",
    " //evil.example",
    "https:evil.example",
    "//testserver@evil.example",
    "javascript:alert(1)",
]
HERE = ["/", "/groups/3/", "/posts/7/#comments", "/search/?q=%E6%9C%9F%E6%9C%AB",
        "/topics/100%25/", "http://testserver/groups/"]


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_target_elsewhere_is_refused(target):
    assert not is_safe_redirect(RequestFactory().get("/"), target)


@pytest.mark.parametrize("target", HERE)
def test_a_target_on_this_site_is_kept(target):
    assert is_safe_redirect(RequestFactory().get("/"), target)


@pytest.fixture
def owner_and_group(db):
    owner = make_user("group_owner")
    return owner, make_interest_group(owner)


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_member_action_goes_back_to_the_member_list(client, owner_and_group, target):
    owner, group = owner_and_group
    client.force_login(owner)
    url = reverse("group_member_action", args=[group.pk, "someone", "unban"])
    response = client.post(url, {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("group_members", args=[group.pk])


def test_a_member_action_keeps_a_next_on_this_site(client, owner_and_group):
    owner, group = owner_and_group
    client.force_login(owner)
    url = reverse("group_member_action", args=[group.pk, "someone", "unban"])
    back = reverse("group_manage", args=[group.pk])
    assert client.post(url, {"next": back})["Location"] == back


@pytest.mark.parametrize("target", ELSEWHERE)
def test_a_like_button_goes_back_to_the_post(client, db, target):
    reader = make_user("reader")
    post = feeds.publish_post(actor=actor_for(make_user("author")), text="期末加油")
    client.force_login(reader)
    response = client.post(reverse("post_like", args=[post.pk]), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("post_detail", args=[post.pk])


@pytest.mark.parametrize("target", ELSEWHERE)
def test_logging_in_goes_home(client, db, target):
    make_user("li_hua")
    response = client.post(reverse("login"), {"username": "li_hua", "password": PASSWORD,
                                              "next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", ELSEWHERE)
def test_the_login_form_does_not_carry_a_target_elsewhere(client, db, target):
    response = client.get(reverse("login"), {"next": target})
    assert response.context["next"] == ""


@pytest.mark.parametrize("target", ELSEWHERE)
def test_logging_out_goes_home(client, db, target):
    client.force_login(make_user("li_hua"))
    response = client.post(reverse("logout"), {"next": target})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")


@pytest.mark.parametrize("target", ELSEWHERE)
def test_switching_language_goes_home(client, db, target):
    response = client.post(reverse("set_language"), {"language": "en", "next": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


@pytest.mark.parametrize("target", ELSEWHERE)
def test_switching_language_does_not_follow_a_referer_elsewhere(client, db, target):
    response = client.post(reverse("set_language"), {"language": "en"},
                           headers={"referer": target})
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_switching_language_goes_back_to_the_page(client, db):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/groups/"})
    assert response["Location"] == "/groups/"

"""Throttles on the pages: logins lock out (django-axes), and registration, class codes,
password changes, likes, follows, ratings and join requests stop at their limits with
429, Retry-After and a Chinese message that says when to try again."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.urls import reverse

from feeds import services as feed_services
from feeds.models import PostLike
from resources import services as resource_services
from resources.models import Rating
from tests.factories import (
    PASSWORD,
    actor_for,
    agreed_form,
    make_class_group,
    make_interest_group,
    make_teacher,
    make_user,
)
from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import Follow, User
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group, JoinRequest, Membership

pytestmark = pytest.mark.django_db


def text_of(response) -> str:
    return response.content.decode()


def log_in(client, password: str, username: str = "li_hua", ip: str = "10.1.2.3"):
    return client.post(reverse("login"), {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


# --- logins (django-axes) -----------------------------------------------------------------


def test_five_wrong_passwords_lock_the_account_on_this_address_even_for_the_right_one(client):
    make_user("li_hua")
    for _ in range(4):
        assert log_in(client, "wrong-password").status_code == 200  # the form again
    locked = log_in(client, "wrong-password")
    assert locked.status_code == 429
    right = log_in(client, PASSWORD)
    assert right.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in text_of(right)
    assert right["Retry-After"] == "900"
    assert not logged_in(client)
    # The lock is on the pair: the same account from another address still logs in.
    assert log_in(client, PASSWORD, ip="10.9.9.9").status_code == 302
    assert logged_in(client)


def test_the_lock_ends_after_the_cool_off(client, settings):
    settings.AXES_COOLOFF_TIME = timedelta(seconds=1)
    make_user("li_hua")
    for _ in range(5):
        log_in(client, "wrong-password")
    assert log_in(client, PASSWORD).status_code == 429
    time.sleep(1.5)
    assert log_in(client, PASSWORD).status_code == 302
    assert logged_in(client)


def test_a_successful_login_resets_the_count(client):
    make_user("li_hua")
    for _ in range(4):
        log_in(client, "wrong-password")
    assert log_in(client, PASSWORD).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "wrong-password").status_code == 200
    assert log_in(client, PASSWORD).status_code == 302


# --- registration, class codes, password changes ---------------------------------------------


def register(client, username: str, ip: str = "10.1.2.3"):
    return client.post(reverse("register"), {
        "username": username, "display_name": username, "password1": PASSWORD,
        "password2": PASSWORD, "role": "student", "school": "", **agreed_form()},
        REMOTE_ADDR=ip)


def test_a_flood_of_registrations_from_one_address_is_refused(client, monkeypatch):
    monkeypatch.setattr(account_services, "REGISTRATIONS_PER_IP_PER_HOUR", 3)
    for i in range(3):
        assert register(client, f"new_{i}").status_code == 302
        client.logout()
    refused = register(client, "new_3")
    assert refused.status_code == 429
    assert "操作太频繁，请" in text_of(refused) and "分钟后再试" in text_of(refused)
    assert int(refused["Retry-After"]) > 0
    assert not User.objects.filter(username="new_3").exists()
    assert register(client, "new_4", ip="10.9.9.9").status_code == 302


def join(client, code: str, ip: str = "10.1.2.3"):
    return client.post(reverse("join_by_code"), {"code": code}, REMOTE_ADDR=ip)


def test_guessing_class_codes_is_stopped_per_user(client, monkeypatch):
    monkeypatch.setattr(group_services, "WRONG_CODES_PER_USER", 3)
    group = make_class_group(make_teacher())
    student = make_user("li_hua")
    client.force_login(student)
    for code in ("WRONG234", "WRONG345", "WRONG456"):
        assert join(client, code).status_code == 200
    refused = join(client, group.join_code)
    assert refused.status_code == 429
    assert "操作太频繁，请" in text_of(refused) and "后再试" in text_of(refused)
    assert refused["Retry-After"]
    assert not Membership.objects.filter(user=student, group=group).exists()


def test_guessing_class_codes_is_stopped_per_address_across_accounts(client, monkeypatch):
    monkeypatch.setattr(group_services, "WRONG_CODES_PER_IP", 4)
    group = make_class_group(make_teacher())
    for i in range(2):
        client.force_login(make_user(f"guesser_{i}"))
        join(client, "WRONG234")
        join(client, "WRONG345")
    newcomer = make_user("newcomer")
    client.force_login(newcomer)
    assert join(client, group.join_code).status_code == 429
    assert join(client, group.join_code, ip="10.9.9.9").status_code == 302
    assert Membership.objects.filter(user=newcomer, group=group).exists()


def change_password(client, old: str):
    return client.post(reverse("change_password"), {
        "old_password": old, "new_password1": "Another-pass-2026",
        "new_password2": "Another-pass-2026"})


def test_guessing_the_old_password_is_stopped(client):
    user = make_user("li_hua")
    client.force_login(user)
    for _ in range(account_services.WRONG_PASSWORDS_PER_15_MIN):
        assert change_password(client, "wrong-password").status_code == 200
    refused = change_password(client, PASSWORD)
    assert refused.status_code == 429
    assert "操作太频繁，请 15 分钟后再试" in text_of(refused)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


# --- likes, follows, ratings, join requests ---------------------------------------------------


def test_likes_past_the_limit_are_refused_on_the_page_and_to_fetch(client, monkeypatch):
    monkeypatch.setattr(feed_services, "LIKES_PER_HOUR", 2)
    author, fan = make_user("author"), make_user("fan")
    posts = [feed_services.publish_post(actor=actor_for(author), text=f"第{i}条")
             for i in range(4)]
    client.force_login(fan)
    for post in posts[:2]:
        assert client.post(reverse("post_like", args=[post.pk])).status_code == 302
    refused = client.post(reverse("post_like", args=[posts[2].pk]))
    assert refused.status_code == 429 and "后再试" in text_of(refused)
    fetched = client.post(reverse("post_like", args=[posts[3].pk]),
                          headers={"accept": "application/json"})
    assert fetched.status_code == 429 and fetched["Retry-After"]
    assert fetched.json()["code"] == "RATE_LIMITED"
    assert PostLike.objects.filter(user=fan).count() == 2


def test_follows_past_the_limit_are_refused(client, monkeypatch):
    monkeypatch.setattr(account_services, "FOLLOWS_PER_HOUR", 2)
    fan = make_user("fan")
    people = [make_user(f"star_{i}") for i in range(3)]
    client.force_login(fan)
    for person in people[:2]:
        client.post(reverse("follow", args=[person.username]))
    refused = client.post(reverse("follow", args=[people[2].username]))
    assert refused.status_code == 429 and "后再试" in text_of(refused)
    assert Follow.objects.filter(follower=fan).count() == 2


def test_ratings_past_the_limit_are_refused(client, monkeypatch):
    monkeypatch.setattr(resource_services, "RATINGS_PER_HOUR", 2)
    owner, reader = make_user("owner"), make_user("reader")
    resources = [resource_services.publish_resource(
        actor=actor_for(owner), title=f"高数笔记{i}", subject="mathematics",
        url=f"https://example.com/notes/{i}") for i in range(3)]
    client.force_login(reader)
    for resource in resources[:2]:
        client.post(reverse("resource_rate", args=[resource.pk]), {"stars": 5, "review": ""})
    refused = client.post(reverse("resource_rate", args=[resources[2].pk]),
                          {"stars": 5, "review": ""})
    assert refused.status_code == 429 and "后再试" in text_of(refused)
    assert Rating.objects.filter(user=reader).count() == 2


def test_join_requests_past_the_limit_are_refused(client, monkeypatch):
    monkeypatch.setattr(group_services, "JOIN_REQUESTS_PER_HOUR", 2)
    owner, student = make_user("owner"), make_user("student")
    groups = [make_interest_group(owner, name=f"社团{i}", join_policy=Group.JoinPolicy.APPROVAL)
              for i in range(3)]
    client.force_login(student)
    for group in groups[:2]:
        client.post(reverse("group_request", args=[group.pk]), {"message": "想加入"})
    refused = client.post(reverse("group_request", args=[groups[2].pk]), {"message": "想加入"})
    assert refused.status_code == 429 and "后再试" in text_of(refused)
    assert JoinRequest.objects.filter(user=student).count() == 2

"""/people/suggest/: whom the composer's @ autocomplete offers, in which order."""

import pytest
from django.urls import reverse

from tests.factories import actor_for, make_interest_group, make_school, make_user
from yiban_core.accounts import services as account_services
from yiban_core.groups import services as group_services

pytestmark = pytest.mark.django_db


def suggest(client, user, q, **params):
    client.force_login(user)
    response = client.get(reverse("people_suggest"), {"q": q, **params})
    assert response.status_code == 200
    return [person["username"] for person in response.json()["people"]]


def test_followed_and_group_members_first_then_my_school(client):
    school = make_school()
    me = make_user("myself", school=school)
    schoolmate = make_user("schoolmate", school=school, display_name="李明")
    followed = make_user("followed", display_name="李华")
    member = make_user("member", display_name="李雷")
    make_user("elsewhere", school=make_school(), display_name="李四")  # nobody I know
    account_services.follow(actor=actor_for(me), username=followed.username)
    group = make_interest_group(me)
    group_services.join_group(actor=actor_for(member), group=group)

    assert suggest(client, me, "李") == ["followed", "member", "schoolmate"]
    # Posting to the group: its members are as close as the people I follow.
    assert suggest(client, me, "李", group=group.pk)[:2] == ["followed", "member"]
    assert schoolmate.pk  # in the list above, last


def test_pinyin_full_and_initials_and_username(client):
    school = make_school()
    me = make_user("myself", school=school)
    make_user("lyt2023", school=school, display_name="李月婷")
    assert suggest(client, me, "liyue") == ["lyt2023"]
    assert suggest(client, me, "lyt") == ["lyt2023"]
    assert suggest(client, me, "@李月") == ["lyt2023"]


def test_answer_tells_namesakes_apart(client):
    school = make_school("清华大学")
    me = make_user("myself", school=school)
    one = make_user("lyt_a", school=school, display_name="李月婷")
    account_services.update_profile(actor=actor_for(one), major="计算机科学与技术")
    make_user("lyt_b", school=school, display_name="李月婷")
    client.force_login(me)
    people = client.get(reverse("people_suggest"), {"q": "李月婷"}).json()["people"]
    assert {(p["display_name"], p["school"], p["major"]) for p in people} == {
        ("李月婷", "清华大学", "计算机科学与技术"), ("李月婷", "清华大学", "")}


def test_never_deactivated_people_nor_a_private_groups_members(client):
    school = make_school()
    me = make_user("myself", school=school)
    gone = make_user("gone", school=school, display_name="王芳")
    gone.is_active = False
    gone.save(update_fields=["is_active"])
    owner = make_user("owner", display_name="王静")
    secret = make_interest_group(owner, name="心理互助", is_private=True, join_policy="approval")
    assert suggest(client, me, "王") == []
    # Naming a private group I am not in reveals nothing of its members.
    assert suggest(client, me, "王", group=secret.pk) == []
    assert suggest(client, me, "wang", group="not-a-number") == []


def test_needs_a_login(client):
    response = client.get(reverse("people_suggest"), {"q": "李"})
    assert response.status_code == 302

"""Minors mode: no public profile (accounts.rules.may_see_full_profile). A minor's bio,
school, major, enrolment year, photo, follow lists and posts are for verified members of
their school and the people they follow; everyone else sees the name only."""

from __future__ import annotations

import itertools
import json

import pytest
from django.urls import reverse

from feeds import services as feeds
from feeds.models import Visibility
from tests.factories import actor_for, make_school, make_user, verify
from tests.privacy.minors import mark_minor
from yiban_core.accounts import selectors
from yiban_core.accounts import services as accounts
from yiban_core.accounts.models import User
from yiban_core.accounts.rules import hidden_profiles_q, may_see_full_profile
from yiban_core.actor import ANONYMOUS

pytestmark = pytest.mark.django_db

USER = """query($u: String!) { user(username: $u) { displayName bio major enrolmentYear
  school { name } isVerified followerCount followers(first: 10) { edges { node { username } } }
} }"""


@pytest.fixture
def world():
    school, other = make_school("成都七中"), make_school("重庆一中")
    minor = verify(make_user("xiaoyu", school=school, display_name="小雨"))
    accounts.update_profile(actor=actor_for(minor), bio="喜欢画画的初三学生", major="美术",
                            enrolment_year=2024)
    mark_minor(minor)
    classmate = verify(make_user("tongxue", school=school))
    unverified = make_user("maochong", school=school)  # picked the school, not verified
    elsewhere = verify(make_user("waixiao", school=other))
    friend = verify(make_user("biaojie", school=other))  # the minor follows her
    accounts.follow(actor=actor_for(minor), username=friend.username)
    fan = make_user("fensi_qiu", school=school)
    accounts.follow(actor=actor_for(fan), username=minor.username)
    return {"minor": minor, "classmate": classmate, "unverified": unverified,
            "elsewhere": elsewhere, "friend": friend, "fan": fan, "school": school}


def _page(client, viewer, path) -> str:
    client.logout()
    if viewer is not None:
        client.force_login(viewer)
    response = client.get(path)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(("who", "sees"), [
    (None, False), ("unverified", False), ("elsewhere", False), ("fan", False),
    ("classmate", True), ("friend", True), ("minor", True)])
def test_the_profile_page_and_follow_list(client, world, who, sees):
    viewer = world[who] if who else None
    minor = world["minor"]
    page = _page(client, viewer, reverse("profile", args=[minor.username]))
    assert "小雨" in page  # the name is always there
    assert ("喜欢画画的初三学生" in page) is sees
    assert ("成都七中" in page) is sees
    followers = _page(client, viewer, reverse("followers", args=[minor.username]))
    assert ('<ul class="list card">' in followers) is sees  # the list, or 不公开
    assert ("TA 的关注和粉丝列表不公开" in followers) is not sees


@pytest.mark.parametrize(("who", "sees"), [
    (None, False), ("elsewhere", False), ("classmate", True), ("friend", True)])
def test_graphql_user_fields(client, world, who, sees):
    client.logout()
    if who:
        client.force_login(world[who])
    answer = client.post("/graphql", json.dumps({"query": USER, "variables": {
        "u": world["minor"].username}}), content_type="application/json").json()
    person = answer["data"]["user"]
    assert person["displayName"] == "小雨"
    if sees:
        assert person["bio"] == "喜欢画画的初三学生" and person["school"]["name"] == "成都七中"
        assert person["enrolmentYear"] == 2024 and person["followerCount"] == 1
        assert [e["node"]["username"] for e in person["followers"]["edges"]] == ["fensi_qiu"]
    else:
        assert person["bio"] == person["major"] == "" and person["school"] is None
        assert person["enrolmentYear"] is None and person["followerCount"] == 0
        assert person["followers"]["edges"] == [] and person["isVerified"] is False


def test_in_someone_elses_list_a_minor_shows_only_by_name(client, world):
    adult = make_user("dage", school=make_school())
    accounts.follow(actor=actor_for(world["minor"]), username=adult.username)
    outsider_view = _page(client, world["elsewhere"], reverse("followers", args=["dage"]))
    assert "小雨" in outsider_view and "成都七中" not in outsider_view
    classmate_view = _page(client, world["classmate"], reverse("followers", args=["dage"]))
    assert "成都七中" in classmate_view


@pytest.mark.django_db(transaction=True)  # the worker commits
def test_search_and_mention_suggestions_find_a_minor_only_for_those_who_see_them(world,
                                                                               run_worker):
    from yiban_core.search import selectors as search

    def found(viewer) -> bool:
        actor = actor_for(viewer) if viewer else ANONYMOUS
        return any(r.kind == "user" and r.object.pk == world["minor"].pk
                   for r in search.search(actor=actor, query="喜欢画画", kinds=["user"]).items)

    run_worker()  # the index is written after commit
    assert found(world["classmate"]) and found(world["friend"])
    assert not found(None) and not found(world["elsewhere"]) and not found(world["unverified"])
    suggested = selectors.suggest_people(actor=actor_for(world["elsewhere"]), query="xiaoyu")
    assert world["minor"] not in suggested


def test_a_minors_post_asked_for_as_public_is_school_only_or_for_followers(world):
    post = feeds.publish_post(actor=actor_for(world["minor"]), text="今天的晚霞")
    assert post.visibility == Visibility.SCHOOL
    unverified_minor = mark_minor(make_user("xiaomao", school=world["school"]))
    post = feeds.publish_post(actor=actor_for(unverified_minor), text="周末去看展")
    assert post.visibility == Visibility.FOLLOWERS
    # editing back to public is capped too; an adult's choice stands
    edited = feeds.edit_post(actor=actor_for(world["minor"]),
                             post_id=feeds.publish_post(actor=actor_for(world["minor"]),
                                                        text="画展", visibility="followers").pk,
                             visibility=Visibility.PUBLIC)
    assert edited.visibility == Visibility.SCHOOL
    adult_post = feeds.publish_post(actor=actor_for(world["classmate"]), text="公开的")
    assert adult_post.visibility == Visibility.PUBLIC


def test_the_list_rule_agrees_with_the_per_person_rule(world):
    """hidden_profiles_q (lists, search) and may_see_full_profile (one person) decide the
    same for every viewer and person of the world, minors and adults."""
    people = list(User.objects.select_related("profile", "school").order_by("pk"))
    for viewer, person in itertools.product([None, *people], people):
        hidden = User.objects.filter(hidden_profiles_q(viewer), pk=person.pk).exists()
        assert hidden is not may_see_full_profile(viewer, person), (viewer, person)


def test_a_minors_photo_only_where_the_profile_is_shown(client, world):
    from tests.messages.helpers import png

    upload = png((250, 120, 10))
    upload.name = "me.png"
    accounts.update_profile(actor=actor_for(world["minor"]), avatar=upload)
    photo = User.objects.get(pk=world["minor"].pk).profile.avatar.url
    assert photo in _page(client, world["classmate"], reverse("profile", args=["xiaoyu"]))
    assert photo in _page(client, world["minor"], reverse("edit_profile"))  # their own
    assert photo not in _page(client, world["elsewhere"], reverse("profile", args=["xiaoyu"]))
    assert photo not in _page(client, world["elsewhere"], reverse("following", args=["xiaoyu"]))
    adult = make_user("dajie", school=make_school())
    accounts.follow(actor=actor_for(world["minor"]), username=adult.username)
    assert photo not in _page(client, None, reverse("followers", args=["dajie"]))


@pytest.mark.django_db(transaction=True)  # the worker commits
def test_when_the_mode_begins_earlier_public_posts_are_narrowed(client, run_worker):
    from feeds.models import Post, Topic
    from yiban_core.actor import Actor
    from yiban_core.privacy.minors import set_birth_date

    school = make_school("苏州中学")
    pupil = verify(make_user("xiaoqiao", school=school))
    before = feeds.publish_post(actor=actor_for(pupil), text="qzearlier 我的第一幅油画 #画画#")
    unverified = make_user("xiaozhou")
    theirs = feeds.publish_post(actor=actor_for(unverified), text="qzalso 周末写生")
    run_worker()
    assert Topic.objects.get(name="画画").post_count == 1
    mark_minor(pupil)
    set_birth_date(actor=Actor.for_user(unverified), birth_date="2012-06-01")
    run_worker()
    assert Post.objects.get(pk=before.pk).visibility == Visibility.SCHOOL
    assert Post.objects.get(pk=theirs.pk).visibility == Visibility.FOLLOWERS
    assert Topic.objects.get(name="画画").post_count == 0
    client.force_login(make_user("lurker", school=make_school()))
    assert "qzearlier" not in client.get(reverse("post_detail", args=[before.pk])) \
        .content.decode()
    assert "qzearlier" not in client.get(reverse("profile", args=["xiaoqiao"])).content.decode()


def test_the_mention_chooser_names_a_minor_without_school_or_major(client, world):
    accounts.follow(actor=actor_for(world["elsewhere"]), username=world["minor"].username)
    client.force_login(world["elsewhere"])
    people = client.get(reverse("people_suggest"), {"q": "xiaoyu"}).json()["people"]
    assert [(p["display_name"], p["school"], p["major"]) for p in people] == [("小雨", "", "")]
    client.force_login(world["classmate"])
    people = client.get(reverse("people_suggest"), {"q": "xiaoyu"}).json()["people"]
    assert [(p["school"], p["major"]) for p in people] == [("成都七中", "美术")]

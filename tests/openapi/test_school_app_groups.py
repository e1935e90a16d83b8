"""What a school app reads of its school's groups: class groups (the roster's too), the
official group and public groups; a private interest group only once its managers let
it (Group.school_apps_may_read). The same rule for the group's members, posts,
resources and webhook deliveries, and the install page says it."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse

from feeds import services as feed_services
from openapi_plugins.webhooks import services as webhook_services
from openapi_plugins.webhooks.models import Delivery
from resources import services as resource_services
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
)
from tests.graphql.conftest import gid
from tests.openapi.helpers import graphql, make_school_app, mint_token
from tests.openapi.test_webhooks import Receiver
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group, Invitation

READ_SCOPES = ("feed:read", "groups:read", "resources:read")
GROUP = """query($id: ID!) {
  group(id: $id) { name schoolAppsMayRead members { edges { node { user { username } } } } }
}"""
TIMELINE = """query($id: ID!) { groupTimeline(groupId: $id) { edges { node { text } } } }"""
NODE = """query($id: ID!) { node(id: $id) { id ... on Post { text } ... on Resource { title } } }"""
UPDATE = """mutation($input: UpdateGroupInput!) {
  updateGroup(input: $input) { group { schoolAppsMayRead } errors { field code } }
}"""


def add_member(group, manager, user):
    group_services.invite(actor=actor_for(manager), group=group, username=user.username)
    invitation = Invitation.objects.get(group=group, invitee=user)
    group_services.answer_invitation(actor=actor_for(user), invitation_id=invitation.pk,
                                     accept=True)


@pytest.fixture
def campus(db):
    """A school, its installed reading app, a class group and a private counselling group,
    each with a member, a post and a group resource."""
    school = make_school("华南师范大学")
    app, _secret = make_school_app(school, scopes=READ_SCOPES)
    teacher = make_teacher("teacher_chen", school=school)
    klass = make_class_group(teacher, name="心理学2024级1班")
    counsellor = make_user("counsellor_liu", school=school)
    counselling = make_interest_group(counsellor, name="心理咨询互助群", is_private=True,
                                      join_policy="approval", school=school)
    student = make_user("student_he", school=school)
    add_member(klass, teacher, student)
    add_member(counselling, counsellor, student)
    posts, shared = {}, {}
    for group, manager in ((klass, teacher), (counselling, counsellor)):
        posts[group.pk] = feed_services.publish_post(
            actor=actor_for(student), text=f"{group.name}里的话", group=group)
        shared[group.pk] = resource_services.publish_resource(
            actor=actor_for(manager), title=f"{group.name}的资料", subject="medicine",
            url="https://pan.example.edu.cn/a.pdf", group=group)
    return {"school": school, "app": app, "token": mint_token(app), "klass": klass,
            "counselling": counselling, "counsellor": counsellor, "posts": posts,
            "shared": shared}


def reads(client, campus, group) -> dict:
    """What the app gets of a group: its members, its timeline, a post and a resource."""
    token = campus["token"]
    found = graphql(client, GROUP, token, id=gid(group)).json()
    timeline = graphql(client, TIMELINE, token, id=gid(group)).json()
    post = graphql(client, NODE, token, id=gid(campus["posts"][group.pk])).json()
    resource = graphql(client, NODE, token, id=gid(campus["shared"][group.pk])).json()
    members = found["data"]["group"]["members"]
    return {
        "members": sorted(e["node"]["user"]["username"] for e in members["edges"])
        if members else None,
        "timeline": [e["node"]["text"] for e in timeline["data"]["groupTimeline"]["edges"]]
        if timeline["data"]["groupTimeline"] else None,
        "timeline_errors": [e["extensions"]["code"] for e in timeline.get("errors", [])],
        "post": post["data"]["node"] is not None,
        "resource": resource["data"]["node"] is not None,
    }


def test_a_private_interest_group_is_closed_to_the_school_app_until_its_managers_open_it(
    client, campus
):
    counselling, klass = campus["counselling"], campus["klass"]
    assert reads(client, campus, klass) == {
        "members": ["student_he", "teacher_chen"], "timeline": ["心理学2024级1班里的话"],
        "timeline_errors": [], "post": True, "resource": True}
    assert reads(client, campus, counselling) == {
        "members": None, "timeline": None, "timeline_errors": ["PERMISSION_DENIED"],
        "post": False, "resource": False}

    # A manager opens it through GraphQL (a class group has nothing to open).
    client.force_login(campus["counsellor"])
    opened = client.post("/graphql", content_type="application/json", data=json.dumps({
        "query": UPDATE,
        "variables": {"input": {"groupId": gid(counselling), "schoolAppsMayRead": True}}}))
    assert opened.json()["data"]["updateGroup"] == {
        "group": {"schoolAppsMayRead": True}, "errors": []}
    client.force_login(klass.owner)
    refused = client.post("/graphql", content_type="application/json", data=json.dumps({
        "query": UPDATE,
        "variables": {"input": {"groupId": gid(klass), "schoolAppsMayRead": True}}}))
    assert [e["code"] for e in refused.json()["data"]["updateGroup"]["errors"]] == ["INVALID"]
    assert not Group.objects.get(pk=klass.pk).school_apps_may_read
    client.logout()

    assert reads(client, campus, counselling) == {
        "members": ["counsellor_liu", "student_he"], "timeline": ["心理咨询互助群里的话"],
        "timeline_errors": [], "post": True, "resource": True}


def test_another_schools_app_reads_neither(client, campus):
    other_app, _secret = make_school_app(make_school(), scopes=READ_SCOPES)
    other = {**campus, "token": mint_token(other_app)}
    group_services.update_group(actor=actor_for(campus["counsellor"]),
                                group=campus["counselling"], school_apps_may_read=True)
    for group in (campus["klass"], campus["counselling"]):
        assert reads(client, other, group)["members"] is None


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.stop()


@pytest.mark.django_db(transaction=True)
def test_webhooks_of_a_closed_private_interest_group_are_not_delivered(
    campus, receiver, run_worker
):
    app, counselling = campus["app"], campus["counselling"]
    _subscription, receiver.secret = webhook_services.subscribe(
        actor=actor_for(app.application.user), app=app, url=receiver.url,
        events=["post.published", "group.member_joined"])
    counsellor = campus["counsellor"]
    add_member(counselling, counsellor, make_user("student_xu", school=campus["school"]))
    feed_services.publish_post(actor=actor_for(counsellor), text="本周咨询时间调整",
                               group=counselling)
    feed_services.publish_post(actor=actor_for(campus["klass"].owner), text="班会改到周四",
                               group=campus["klass"])
    run_worker()
    delivered = [json.loads(r["body"])["data"] for r in receiver.requests]
    assert [d["post"]["text"] for d in delivered if "post" in d] == ["班会改到周四"]
    assert not any("member" in d for d in delivered)
    assert Delivery.objects.count() == 1

    group_services.update_group(actor=actor_for(counsellor), group=counselling,
                                school_apps_may_read=True)
    feed_services.publish_post(actor=actor_for(counsellor), text="欢迎新同学", group=counselling)
    run_worker()
    delivered = [json.loads(r["body"])["data"] for r in receiver.requests]
    assert [d["post"]["text"] for d in delivered if "post" in d] == ["班会改到周四", "欢迎新同学"]
    assert all(r["valid"] for r in receiver.requests)


def test_the_group_settings_page_offers_the_choice_on_interest_groups_only(client, campus):
    counselling, klass = campus["counselling"], campus["klass"]
    client.force_login(campus["counsellor"])
    page = client.get(reverse("group_manage", args=[counselling.pk])).content.decode()
    assert "允许学校应用读取" in page
    response = client.post(reverse("group_manage", args=[counselling.pk]), {
        "name": counselling.name, "description": "", "join_policy": "approval",
        "is_private": "on", "school_apps_may_read": "on"}, follow=True)
    assert "设置已保存" in response.content.decode()
    counselling.refresh_from_db()
    assert counselling.school_apps_may_read and counselling.is_private
    client.force_login(klass.owner)
    page = client.get(reverse("group_manage", args=[klass.pk])).content.decode()
    assert "允许学校应用读取" not in page


def test_the_install_page_says_what_the_app_will_read(client, campus):
    school, counselling = campus["school"], campus["counselling"]
    make_interest_group(campus["counsellor"], name="考研互助小组", is_private=True,
                        join_policy="approval", school=school)
    client.force_login(school.administrators.first())
    url = reverse("school_apps", args=[school.pk])

    page = client.get(url).content.decode()
    assert "本校的班级群，包括教务系统同步创建的班级群" in page
    assert "本校的学校官方群" in page
    assert "groups:read" in page and "resources:read" in page
    assert "心理咨询互助群" not in page and "考研互助小组" not in page

    group_services.update_group(actor=actor_for(campus["counsellor"]), group=counselling,
                                school_apps_may_read=True)
    page = client.get(url).content.decode()
    assert "心理咨询互助群" in page and "考研互助小组" not in page

"""The welcome panel of a new account (frontend/welcome.py): each checklist step is read
from the account, the suggestions come from my school and major, never someone I follow,
and the panel goes away when closed, when all is done, or after two weeks."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from feeds import services as feed_services
from tests.factories import (
    actor_for,
    make_class_group,
    make_interest_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from yiban_core.accounts import services as account_services
from yiban_core.accounts.models import Profile, User
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group

pytestmark = pytest.mark.django_db

MAJOR = "计算机科学与技术"


def student(school, major="", year=None, **kwargs) -> User:
    user = make_user(school=school, **kwargs)
    Profile.objects.filter(user=user).update(major=major, enrolment_year=year)
    return user


@pytest.fixture
def campus():
    school, elsewhere = make_school("北京大学"), make_school("清华大学")
    me = student(school, MAJOR, 2024, username="xinsheng", display_name="新生")
    people = {
        "classmate": student(school, MAJOR, 2024, display_name="同班同学"),
        "senior": student(school, MAJOR, 2022, display_name="同专业学姐"),
        "same_year": student(school, "英语", 2024, display_name="同级英语"),
        "far": student(school, "历史学", 2021, display_name="历史学长"),
        "followed": student(school, MAJOR, 2024, display_name="已关注的同学"),
        "elsewhere": student(elsewhere, MAJOR, 2024, display_name="清华同专业"),
        "suspended": student(school, MAJOR, 2024, display_name="停用账号"),
    }
    User.objects.filter(pk=people["suspended"].pk).update(is_active=False)
    make_user(school=school, role=User.Role.ADMIN, display_name="站点管理员")
    account_services.follow(actor=actor_for(me), username=people["followed"].username)
    teacher, stranger = make_teacher(school=school), make_teacher(school=elsewhere)
    groups = {
        "major_club": make_interest_group(teacher, name="编程俱乐部", school=school,
                                          description=f"{MAJOR}专业同学的编程交流"),
        "big_club": make_interest_group(teacher, name="北大摄影社", school=school),
        "asks": make_interest_group(teacher, name="北大考研群", school=school, is_private=True,
                                    join_policy=Group.JoinPolicy.APPROVAL),
        "class": make_class_group(teacher, name=f"{MAJOR}2024级1班"),
        "their_private": make_interest_group(stranger, name=f"清华{MAJOR}私密群",
                                             school=elsewhere, is_private=True,
                                             join_policy=Group.JoinPolicy.APPROVAL),
        "no_school": make_interest_group(teacher, name="全国编程爱好者"),
    }
    for _i in range(3):
        group_services.join_group(actor=actor_for(make_user()), group=groups["big_club"])
    feed_services.publish_post(actor=actor_for(people["classmate"]), text="报到啦 #新生报到#")
    return {"me": me, "school": school, **people, **groups}


def welcome(client, user):
    client.force_login(user)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    return response.context["welcome"], response.content.decode()


def steps(panel) -> dict[str, bool]:
    return {step.key: step.done for step in panel["steps"]}


def test_a_new_account_sees_its_checklist_and_suggestions(client, campus):
    panel, page = welcome(client, campus["me"])
    assert steps(panel) == {"profile": False, "school": False, "follow": True,
                            "groups": False}
    # Same major and year, then same major, then same year, then the rest of the school;
    # never someone I follow, another school, a suspended account or a site admin.
    assert [p.display_name for p in panel["people"]][:4] == [
        "同班同学", "同专业学姐", "同级英语", "历史学长"]
    assert {p.role for p in panel["people"][4:]} == {User.Role.TEACHER}  # then teachers
    # My school's groups I may join or ask to join, my major's first; no class code
    # group, nothing of another school, no group without a school.
    assert [g.name for g in panel["groups"]] == ["编程俱乐部", "北大摄影社", "北大考研群"]
    assert [t.name for t in panel["topics"]] == ["新生报到"]
    assert "欢迎来到易班学习网" in page
    assert "还差：头像、个人简介。" in page  # the major is filled in
    assert reverse("follow", args=[campus["classmate"].username]) in page
    assert reverse("group_join", args=[campus["major_club"].pk]) in page
    assert reverse("group_request", args=[campus["asks"].pk]) in page
    assert f"清华{MAJOR}私密群" not in page and "停用账号" not in page
    assert reverse("edit_profile") in page  # choose or check the school, fill the profile


def test_following_a_suggested_classmate_ticks_the_step_and_returns_home(client, campus):
    newcomer = student(campus["school"], MAJOR, 2024)
    client.force_login(newcomer)
    panel, _page = welcome(client, newcomer)
    assert steps(panel)["follow"] is False
    classmate = panel["people"][0]
    response = client.post(reverse("follow", args=[classmate.username]),
                           {"next": reverse("home")})
    assert response.url == reverse("home")
    panel, page = welcome(client, newcomer)
    assert steps(panel)["follow"] is True
    assert classmate not in panel["people"]
    assert 'data-step="follow"' in page and "已完成" in page


def test_joining_a_suggested_group_ticks_the_groups_step(client, campus):
    me = campus["me"]
    client.force_login(me)
    client.post(reverse("group_join", args=[campus["major_club"].pk]),
                {"next": reverse("home")})
    panel, _page = welcome(client, me)
    assert steps(panel)["groups"] is True
    assert campus["major_club"] not in panel["groups"]


def test_a_pending_request_is_shown_not_offered_again(client, campus):
    group_services.request_to_join(actor=actor_for(campus["me"]), group=campus["asks"])
    _panel, page = welcome(client, campus["me"])
    assert "已申请" in page
    assert reverse("group_request", args=[campus["asks"].pk]) not in page


def test_the_school_step_leads_to_choosing_and_then_to_verification(client, campus):
    drifter = make_user()  # no school yet: nothing of any school is suggested
    panel, page = welcome(client, drifter)
    assert panel["people"] == [] and panel["groups"] == []
    assert "先在资料里选择你的学校" in page
    assert reverse("edit_profile") + "#id_school" in page
    official = group_services.create_group(
        actor=actor_for(make_user(role=User.Role.ADMIN)), name="北京大学易班",
        kind=Group.Kind.SCHOOL, school=campus["school"])
    panel, page = welcome(client, campus["me"])
    assert "北京大学 核对你的学号/工号后认证你" in page
    assert reverse("group_detail", args=[official.pk]) in page
    verify(campus["me"])
    panel, page = welcome(client, campus["me"])
    assert steps(panel)["school"] is True


def test_the_panel_goes_when_closed_when_all_is_done_or_after_two_weeks(client, campus):
    me = campus["me"]
    client.force_login(me)
    assert client.post(reverse("dismiss_welcome")).url == reverse("home")
    assert welcome(client, me)[0] is None
    assert "欢迎来到易班学习网" not in welcome(client, me)[1]

    old = student(campus["school"], MAJOR, 2020)
    User.objects.filter(pk=old.pk).update(date_joined=timezone.now() - timedelta(days=15))
    assert welcome(client, old)[0] is None

    done = student(campus["school"], MAJOR, 2024)
    Profile.objects.filter(user=done).update(bio="你好", avatar="avatars/x.png")
    verify(done)
    account_services.follow(actor=actor_for(done), username=campus["classmate"].username)
    group_services.join_group(actor=actor_for(done), group=campus["big_club"])
    assert welcome(client, done)[0] is None



SUGGESTIONS = """{ suggestedPeople(first: 3) { username }
                   suggestedGroups { name viewerRole } }"""


def test_the_api_suggests_what_the_panel_does(client, campus):
    from tests.graphql.conftest import GraphQLClient

    data = GraphQLClient(client).as_user(campus["me"]).data(SUGGESTIONS)
    assert [p["username"] for p in data["suggestedPeople"]] == [
        campus[k].username for k in ("classmate", "senior", "same_year")]
    assert data["suggestedGroups"] == [
        {"name": name, "viewerRole": None} for name in ("编程俱乐部", "北大摄影社", "北大考研群")]
    body = GraphQLClient(client).as_user(None)(SUGGESTIONS)
    assert body["data"] is None and body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"

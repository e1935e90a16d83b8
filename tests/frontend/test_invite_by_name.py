"""Inviting to a group by username, display name or 学号, with a chooser for namesakes."""

import pytest
from django.urls import reverse

from tests.factories import (
    actor_for,
    make_class_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from yiban_core.accounts import services as account_services
from yiban_core.groups.models import Invitation
from yiban_core.groups.selectors import mask_member_number

pytestmark = pytest.mark.django_db


def invite(client, group, who):
    return client.post(reverse("group_invite", args=[group.pk]), {"username": who}, follow=True)


def page(response):
    return response.content.decode()


@pytest.fixture
def school():
    return make_school("北京大学")


@pytest.fixture
def teacher(client, school):
    teacher = verify(make_teacher("wang_laoshi", school=school), "T2001")
    client.force_login(teacher)
    return teacher


def test_invite_by_chinese_name(client, school, teacher):
    group = make_class_group(teacher)
    student = make_user("zsh2024", school=school, display_name="张书恒")
    response = invite(client, group, "张书恒")
    assert "邀请已发出" in page(response)
    assert list(Invitation.objects.values_list("invitee_id", flat=True)) == [student.pk]


def test_invite_by_member_number_of_the_groups_school(client, school, teacher):
    group = make_class_group(teacher)
    student = verify(make_user("lihua", school=school, display_name="李华"), "2024010203")
    invite(client, group, "2024010203")
    assert Invitation.objects.get().invitee == student


def test_member_number_of_another_school_finds_nobody(client, school, teacher):
    group = make_class_group(teacher)
    verify(make_user("other", school=make_school(), display_name="赵六"), "2024999999")
    response = invite(client, group, "2024999999")
    assert "没有这个用户" in page(response)
    assert not Invitation.objects.exists()


def test_namesakes_get_a_chooser_and_the_one_picked_is_invited(client, school, teacher):
    group = make_class_group(teacher)
    one = make_user("lyt_cs", school=school, display_name="李月婷")
    account_services.update_profile(actor=actor_for(one), major="计算机科学与技术")
    two = make_user("lyt_math", school=make_school("复旦大学"), display_name="李月婷")
    account_services.update_profile(actor=actor_for(two), major="数学")

    response = invite(client, group, "李月婷")
    html = page(response)
    assert "有几个人，要邀请哪一位" in html
    assert "北京大学 · 计算机科学与技术" in html and "复旦大学 · 数学" in html
    assert html.index("lyt_cs") < html.index("lyt_math")  # the group's school first
    assert not Invitation.objects.exists()  # nothing yet: the manager picks

    client.post(reverse("group_invite", args=[group.pk]), {"user_id": two.pk})
    assert Invitation.objects.get().invitee == two


def test_unknown_name_is_an_error_and_invites_nobody(client, teacher):
    group = make_class_group(teacher)
    response = invite(client, group, "不存在的人")
    assert "没有这个用户：「不存在的人」不是任何人的用户名、昵称或学号" in page(response)
    assert not Invitation.objects.exists()


def test_only_managers_may_look_people_up(client, school, teacher):
    group = make_class_group(teacher)
    verify(make_user("lihua", school=school, display_name="李华"), "2024010203")
    client.force_login(make_user("nosy", school=school))
    response = client.post(reverse("group_invite", args=[group.pk]), {"username": "2024010203"})
    assert response.status_code == 403
    assert "李华" not in page(response)
    assert not Invitation.objects.exists()


def test_member_number_is_masked():
    assert mask_member_number("2024010203") == "20******03"
    assert mask_member_number("T1") == "**"

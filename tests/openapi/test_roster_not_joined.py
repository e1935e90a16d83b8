"""The class group of a roster's section: which of the roster's students are not (yet)
in it, shown to its teachers on the manage page, with a bulk invitation for those who
can take one."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from openapi_plugins.academic_affairs import services
from openapi_plugins.academic_affairs.models import Section
from openapi_plugins.academic_affairs.selectors import roster_students_not_joined
from tests.factories import (
    actor_for,
    agree_to_policies,
    make_class_group,
    make_school,
    make_teacher,
    make_user,
    verify,
)
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Invitation

pytestmark = pytest.mark.django_db


@pytest.fixture
def roster():
    """A section of 高等数学 with its teacher and three students: 张伟 (an account the
    roster made, never signed in to), 王娜 (her own account, matched by 学号) and 李雷;
    张伟 and 王娜 then left the class group."""
    school = make_school("同济大学")
    wang = verify(make_user("wang_na", school=school, display_name="王娜"), "2023010102")
    actor = Actor(school=school, scopes=frozenset({"school:roster"}))
    services.upsert_terms(actor=actor, rows=[{
        "sourced_id": "2025-1", "title": "第一学期", "kind": "semester",
        "start_date": "2025-09-01", "end_date": "2026-01-20"}])
    services.upsert_courses(actor=actor, rows=[{"sourced_id": "c-1", "title": "高等数学"}])
    services.upsert_sections(actor=actor, rows=[{
        "sourced_id": "k-1", "title": "高等数学（土木2301班）", "course_sourced_id": "c-1",
        "term_sourced_ids": ["2025-1"]}])
    services.upsert_users(actor=actor, rows=[
        {"sourced_id": "t-1", "role": "teacher", "given_name": "敏", "family_name": "刘",
         "identifier": "T2008001"},
        {"sourced_id": "s-1", "role": "student", "given_name": "伟", "family_name": "张",
         "identifier": "2023010101"},
        {"sourced_id": "s-2", "role": "student", "given_name": "娜", "family_name": "王",
         "identifier": "2023010102"},
        {"sourced_id": "s-3", "role": "student", "given_name": "雷", "family_name": "李",
         "identifier": "2023010103"},
    ])
    services.upsert_enrolments(actor=actor, rows=[
        {"sourced_id": f"e-{who}", "section_sourced_id": "k-1", "user_sourced_id": who,
         "role": "teacher" if who.startswith("t") else "student"}
        for who in ("t-1", "s-1", "s-2", "s-3")])
    group = Section.objects.get(sourced_id="k-1").class_group
    zhang = User.objects.get(school=school, member_number="2023010101")
    teacher = User.objects.get(school=school, member_number="T2008001")
    for student in (zhang, wang):
        group_services.leave_group(actor=actor_for(student), group=group)
    return {"group": group, "teacher": teacher, "zhang": zhang, "wang": wang}


def test_the_teacher_sees_who_on_the_roster_has_not_joined(roster):
    students = roster_students_not_joined(actor=actor_for(roster["teacher"]),
                                          group=roster["group"])
    assert [(s.user.member_number, s.has_account, s.invitable) for s in students] == [
        ("2023010101", False, False), ("2023010102", True, True)]
    roster["zhang"].last_login = timezone.now()  # 张伟 signed in after a password reset
    roster["zhang"].save(update_fields=["last_login"])
    students = roster_students_not_joined(actor=actor_for(roster["teacher"]),
                                          group=roster["group"])
    assert [s.invitable for s in students] == [True, True]


def test_members_and_other_groups_have_no_roster_list(roster):
    member = roster["group"].memberships.filter(role="member").first().user
    with pytest.raises(PermissionDenied):
        roster_students_not_joined(actor=actor_for(member), group=roster["group"])
    teacher = make_teacher()
    assert roster_students_not_joined(actor=actor_for(teacher),
                                      group=make_class_group(teacher)) is None


def test_the_manage_page_lists_them_and_invites_those_with_accounts(client, roster):
    group = roster["group"]
    client.force_login(agree_to_policies(roster["teacher"]))  # the roster opened the account
    page = client.get(reverse("group_manage", args=[group.pk])).content.decode()
    assert "名单中未加入的学生" in page
    assert "2023010101" in page and "2023010102" in page and "未激活" in page
    assert "2023010103" not in page  # 李雷 is in the group
    url = reverse("group_invite_roster", args=[group.pk])
    response = client.post(url, {"all": "1"}, follow=True)
    assert "已邀请 1 位同学" in response.content.decode()
    assert list(Invitation.objects.filter(group=group).values_list(
        "invitee__username", flat=True)) == ["wang_na"]
    again = client.post(url, {"user_ids": [roster["wang"].pk]}, follow=True)
    assert "都已邀请过或已在群里" in again.content.decode()
    assert Invitation.objects.filter(group=group).count() == 1


def test_a_class_group_made_by_hand_shows_no_roster_section(client):
    teacher = make_teacher()
    group = make_class_group(teacher)
    client.force_login(teacher)
    page = client.get(reverse("group_manage", args=[group.pk])).content.decode()
    assert "名单中未加入的学生" not in page

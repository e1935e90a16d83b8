"""Minors mode is set by the school (per person, by class, by enrolment year; audited,
lifted only by the school) or by the person's birth date (yiban_core/privacy/minors.py)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.factories import actor_for, make_class_group, make_school, make_teacher, make_user
from yiban_core.accounts import services as accounts
from yiban_core.accounts.models import User
from yiban_core.accounts.rules import is_minor
from yiban_core.audit.models import AuditEntry
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.groups import services as groups
from yiban_core.privacy import minors

pytestmark = pytest.mark.django_db


@pytest.fixture
def school():
    return make_school("杭州市中策职业学校")


@pytest.fixture
def admin(school):
    person = make_user("zhaojiaowu", school=school, role=User.Role.STAFF, display_name="赵教务")
    school.administrators.add(person)
    return person


def _fresh(user) -> User:
    return User.objects.select_related("profile").get(pk=user.pk)


def test_the_admin_marks_ticked_members_on_the_member_list_audited(client, school, admin):
    a, b = make_user("xiao_a", school=school), make_user("xiao_b", school=school)
    client.force_login(admin)
    response = client.post(reverse("school_minors", args=[school.pk]),
                           {"usernames": [a.username, b.username], "action": "mark"},
                           follow=True)
    assert "已标记 2 人为未成年人" in response.content.decode()
    assert is_minor(_fresh(a)) and is_minor(_fresh(b))
    entries = AuditEntry.objects.filter(action="privacy.minor_marked", school=school)
    assert {(e.target_text, e.detail["minor"], e.actor_id) for e in entries} == {
        (str(a), True, admin.pk), (str(b), True, admin.pk)}
    listing = client.get(reverse("school_members", args=[school.pk]) + "?status=minor")
    page = listing.content.decode()
    assert 'data-member="xiao_a"' in page and 'data-member="zhaojiaowu"' not in page
    # lifting the mark is audited too; marking twice changes nothing and records nothing
    client.post(reverse("school_minors", args=[school.pk]),
                {"usernames": [a.username], "action": "unmark"})
    assert not is_minor(_fresh(a)) and is_minor(_fresh(b))
    minors.mark_minors(actor=actor_for(admin), school=school, usernames=[b.username])
    assert AuditEntry.objects.filter(action="privacy.minor_marked").count() == 3


def test_a_whole_class_or_enrolment_year_of_students(school, admin):
    teacher = make_teacher(school=school)
    klass = make_class_group(teacher, name="2025级数控1班", school=school)
    pupils = [make_user(school=school) for _ in range(3)]
    for pupil in pupils[:2]:
        groups.join_by_code(actor=actor_for(pupil), code=klass.join_code)
    assert minors.mark_minors(actor=actor_for(admin), school=school,
                              class_group_id=klass.pk) == 2
    assert [is_minor(_fresh(p)) for p in pupils] == [True, True, False]
    assert not is_minor(_fresh(teacher))  # students only
    accounts.update_profile(actor=actor_for(pupils[2]), enrolment_year=2025)
    assert minors.mark_minors(actor=actor_for(admin), school=school, enrolment_year="2025") == 1
    assert is_minor(_fresh(pupils[2]))


@pytest.mark.parametrize("given", [
    {"usernames": []}, {"enrolment_year": "二〇二五"}, {"enrolment_year": "9" * 30},
    {"class_group_id": "999999"},
    {"usernames": ["nobody_here"]}])
def test_bad_input_is_refused_and_changes_nothing(school, admin, given):
    make_user("xiao_c", school=school)
    with pytest.raises(Invalid):
        minors.mark_minors(actor=actor_for(admin), school=school, **given)
    assert not User.objects.filter(profile__minor_by_school=True).exists()
    assert not AuditEntry.objects.filter(action="privacy.minor_marked").exists()


def test_nobody_else_marks_and_another_schools_members_are_out_of_reach(client, school, admin):
    pupil = make_user("xiao_d", school=school)
    other_school = make_school()
    outsider = make_user("waixiao_e", school=other_school)
    for someone in (pupil, make_teacher(school=school)):
        with pytest.raises(PermissionDenied):
            minors.mark_minors(actor=actor_for(someone), school=school,
                               usernames=[pupil.username])
    with pytest.raises(Invalid):
        minors.mark_minors(actor=actor_for(admin), school=school, usernames=[outsider.username])
    client.force_login(pupil)
    assert client.post(reverse("school_minors", args=[school.pk]),
                       {"usernames": [pupil.username]}).status_code == 404
    assert not is_minor(_fresh(pupil)) and not is_minor(_fresh(outsider))


def _years_ago(years: int, days: int = 0) -> dt.date:
    today = timezone.localdate()
    return today.replace(year=today.year - years, day=min(today.day, 28)) - dt.timedelta(days=days)


def test_a_person_enters_their_birth_date_and_cannot_switch_the_mode_off(client, school):
    pupil = make_user("xiao_f", school=school)
    client.force_login(pupil)
    page = client.get(reverse("settings_minors")).content.decode()
    assert "未开启" in page
    client.post(reverse("settings_minors"), {"birth_date": _years_ago(15).isoformat()})
    page = client.get(reverse("settings_minors")).content.decode()
    assert "已开启" in page and "根据你填写的出生日期" in page
    response = client.post(reverse("settings_minors"),
                           {"birth_date": _years_ago(20).isoformat()}, follow=True)
    assert "不能把出生日期改为成年" in response.content.decode()
    assert is_minor(_fresh(pupil)) and _fresh(pupil).profile.birth_date == _years_ago(15)
    # a correction that keeps the mode on is fine
    client.post(reverse("settings_minors"), {"birth_date": _years_ago(16).isoformat()})
    assert _fresh(pupil).profile.birth_date == _years_ago(16)


def test_the_schools_mark_is_not_lifted_by_the_person(client, school, admin):
    pupil = make_user("xiao_g", school=school)
    client.force_login(pupil)
    client.post(reverse("settings_minors"), {"birth_date": _years_ago(14).isoformat()})
    minors.mark_minors(actor=actor_for(admin), school=school, usernames=[pupil.username])
    # marked and under 18 by the date: the date still cannot be made adult
    client.post(reverse("settings_minors"), {"birth_date": _years_ago(25).isoformat()})
    assert _fresh(pupil).profile.birth_date == _years_ago(14)
    page = client.get(reverse("settings_minors")).content.decode()
    assert "你的学校将你标记为未成年人" in page
    minors.mark_minors(actor=actor_for(admin), school=school, usernames=[pupil.username],
                       minor=False)
    assert is_minor(_fresh(pupil))  # still under 18 by the date
    page = client.get(reverse("settings_minors")).content.decode()
    assert "根据你填写的出生日期" in page


@pytest.mark.parametrize("given", ["", "2009-02-30", "明天", "2999-01-01", "1850-05-05"])
def test_a_bad_birth_date_is_a_message_and_changes_nothing(client, school, given):
    pupil = make_user(school=school)
    client.force_login(pupil)
    response = client.post(reverse("settings_minors"), {"birth_date": given}, follow=True)
    assert response.status_code == 200 and "出生日期" in response.content.decode()
    assert _fresh(pupil).profile.birth_date is None


def test_an_app_token_cannot_set_the_birth_date(school):
    from yiban_core.actor import Actor

    pupil = make_user(school=school)
    with pytest.raises(PermissionDenied):
        minors.set_birth_date(actor=Actor(user=pupil, scopes=frozenset({"profile"})),
                              birth_date="2010-01-01")


def test_turning_18_ends_the_mode_by_itself(school):
    pupil = make_user(school=school)
    from yiban_core.actor import Actor

    minors.set_birth_date(actor=Actor.for_user(pupil), birth_date=dt.date(2008, 12, 8))
    person = _fresh(pupil)
    assert is_minor(person, today=dt.date(2026, 12, 7))
    assert not is_minor(person, today=dt.date(2026, 12, 8))

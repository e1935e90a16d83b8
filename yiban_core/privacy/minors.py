"""Minors mode (未成年人模式, 未成年人网络保护条例): who is in it, and how it is set.

Minors mode is on for a person their school marked a minor, or whose birth date says they
are under 18 (yiban_core.accounts.rules.is_minor). What it does lives beside each thing it
limits, one rule each:

- messages from strangers refused: messages.rules.minor_hears_from;
- no public profile: yiban_core.accounts.rules.may_see_full_profile;
- no place kept beyond the check-in's result: classroom.rules.kept_reading;
- quiet hours for live notifications: yiban_core.notifications.rules.live_push_held.

Who may turn it on or off:

- the school's mark (`mark_minors`): only the school (its administrators, or its app with
  `school:roster`), audited per person (privacy.minor_marked); the person cannot lift it;
- the birth date (`set_birth_date`): the person enters it in settings; they may correct
  it, but not to a date that ends minors mode while it is on (at 18 it ends by itself).
  There is no separate switch: a person under 18 has no way to turn the mode off.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from yiban_core import events
from yiban_core.accounts.models import Profile, School, User
from yiban_core.accounts.rules import (
    ADULT_AGE,
    is_minor,
    minor_q,
    require_roster_authority,
)
from yiban_core.actor import Actor
from yiban_core.audit.services import record
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.groups.models import Group
from yiban_core.ids import parse_id

MARK_AT_MOST = 5000  # people marked by one request (a whole enrolment year of a big school)
OLDEST_BIRTH_YEAR = 1900


def reason(user: User) -> str:
    """Why minors mode is on ("school", "birth_date"), or "" when it is off."""
    if not is_minor(user):
        return ""
    return "school" if user.profile.minor_by_school else "birth_date"


def mark_minors(*, actor: Actor, school: School, usernames=(), enrolment_year=None,
                class_group_id=None, minor: bool = True) -> int:
    """The school marks its members as minors (or lifts its mark): those named, every
    student of an enrolment year, or every student of one of its class groups (班级). Only
    the school's own active members; one audit entry per person whose mark changed.
    Returns how many changed."""
    require_roster_authority(actor, school, denied=_("只有学校管理员可以标记未成年人"))
    people = User.objects.filter(school=school, is_active=True)
    if class_group_id not in (None, ""):
        group = Group.objects.filter(pk=parse_id(class_group_id) or 0, school=school,
                                     kind=Group.Kind.CLASS).first()
        if group is None:
            raise Invalid(_("没有这个班级"), field="class_group")
        people = people.filter(memberships__group=group, role=User.Role.STUDENT)
    elif enrolment_year not in (None, ""):
        try:
            year = int(enrolment_year)
        except (TypeError, ValueError):
            year = 0
        if not 1950 <= year <= 2100:  # Profile's plausible_enrolment_year
            raise Invalid(_("入学年份不正确"), field="enrolment_year")
        people = people.filter(profile__enrolment_year=year, role=User.Role.STUDENT)
    else:
        names = [str(name)[:150] for name in (usernames or []) if name]
        if not names:
            raise Invalid(_("请选择要标记的成员"), field="usernames")
        if len(names) > MARK_AT_MOST:
            raise Invalid(_("一次最多标记 %(n)d 人") % {"n": MARK_AT_MOST}, field="usernames")
        people = people.filter(username__in=names)
        if people.count() != len(set(names)):
            raise Invalid(_("有的用户不是本校成员"), field="usernames")
    with transaction.atomic():
        changing = list(Profile.objects.select_for_update()
                        .filter(user__in=people, minor_by_school=not minor)
                        .select_related("user")[:MARK_AT_MOST + 1])
        if len(changing) > MARK_AT_MOST:
            raise Invalid(_("一次最多标记 %(n)d 人") % {"n": MARK_AT_MOST}, field="usernames")
        Profile.objects.filter(pk__in=[p.pk for p in changing]).update(minor_by_school=minor)
        if changing:  # no post_save: the signed-in users' cached copies are forgotten
            ids = tuple(p.user_id for p in changing)
            events.send(events.PeopleChanged(user_ids=ids, school_changed=False))
            if minor:
                events.send(events.MinorsModeBegan(user_ids=ids))
        for profile in changing:
            record("privacy.minor_marked", by=actor, target=profile.user, school=school,
                   detail={"minor": minor})
    return len(changing)


def _age(born: dt.date | None, today: dt.date) -> int:
    if born is None:
        return ADULT_AGE  # no date: nothing to hold on to
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def set_birth_date(*, actor: Actor, birth_date) -> User:
    """The person enters (or corrects) their own birth date, on the web. A date that would
    end minors mode while it is on by the birth date is refused."""
    if actor.scopes is not None:
        raise PermissionDenied(_("出生日期只能由本人在网页上填写"))
    user = actor.require_user()
    if isinstance(birth_date, str):
        try:
            birth_date = dt.date.fromisoformat(birth_date.strip())
        except ValueError:
            raise Invalid(_("出生日期格式不正确，例如 2008-09-01"), field="birth_date") from None
    if not isinstance(birth_date, dt.date):
        raise Invalid(_("请填写出生日期"), field="birth_date")
    today = timezone.localdate()
    if birth_date > today or birth_date.year < OLDEST_BIRTH_YEAR:
        raise Invalid(_("出生日期不正确"), field="birth_date")
    profile = user.profile
    if _age(profile.birth_date, today) < ADULT_AGE <= _age(birth_date, today):
        raise PermissionDenied(_("未成年人模式开启期间不能把出生日期改为成年；"
                                 "如有错误，请联系学校更正"), field="birth_date")
    was_minor = is_minor(user)
    profile.birth_date = birth_date
    with transaction.atomic():
        profile.save(update_fields=["birth_date"])  # post_save: the cached copy is forgotten
        if not was_minor and is_minor(user):
            events.send(events.MinorsModeBegan(user_ids=(user.pk,)))
    return user


# --- reads for the school's console ------------------------------------------------------


def class_groups_of(*, actor: Actor, school: School):
    """The school's class groups (班级), to mark a whole class: for its administrators."""
    require_roster_authority(actor, school, denied=_("只有学校管理员可以标记未成年人"))
    return Group.objects.filter(school=school, kind=Group.Kind.CLASS,
                                archived_at__isnull=True).order_by("name", "pk")


def minor_count(*, actor: Actor, school: School) -> int:
    require_roster_authority(actor, school, denied=_("只有学校管理员可以标记未成年人"))
    return User.objects.filter(minor_q(), school=school, is_active=True).count()

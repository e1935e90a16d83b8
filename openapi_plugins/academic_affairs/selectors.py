"""Every read of academic affairs: a school's sections and sync runs, for that school only.

A school app reads its own school's roster with the scope school:roster; a
school administrator in a web session reads the schools they administer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from openapi_plugins.academic_affairs.models import (
    Enrolment,
    ImportRun,
    Section,
    SourcedUser,
    SyncRun,
)
from openapi_plugins.academic_affairs.services import roster_school
from yiban_core.accounts.models import School, User
from yiban_core.actor import Actor
from yiban_core.groups.models import Group
from yiban_core.groups.rules import require_manager


def sections(*, actor: Actor, school: School | None = None) -> QuerySet[Section]:
    school = roster_school(actor=actor, school=school)
    return (Section.objects.filter(school=school).select_related("course", "class_group")
            .prefetch_related("terms").order_by("pk"))


def sync_runs(*, actor: Actor, school: School | None = None) -> QuerySet[SyncRun]:
    school = roster_school(actor=actor, school=school)
    return SyncRun.objects.filter(school=school).order_by("-pk")


def sync_report_for_webhook(*, actor: Actor, run_id: Any) -> dict | None:
    """The roster.synced payload as `actor` may see it: its own school's run only."""
    if actor.school is None or not actor.has_scope("school:roster"):
        return None
    run = SyncRun.objects.filter(pk=run_id, school=actor.school).first()
    return run.summary() if run is not None else None


@dataclass(frozen=True)
class RosterStudent:
    """A student on a class's roster who is not in its class group."""

    user: User
    # The person uses the account: made by themselves, or signed in to since the roster
    # made it. A roster-made account nobody has signed in to cannot take an invitation.
    has_account: bool
    suspended: bool  # enabledUser=false: no sign-in until the roster enables it

    @property
    def invitable(self) -> bool:
        return self.has_account and not self.suspended and self.user.is_active


def roster_students_not_joined(*, actor: Actor, group: Group) -> list[RosterStudent] | None:
    """The students the roster enrols in the class group's section who are not (or no
    longer) its members, by 学号, for the group's managers; None when the group was not
    made from a roster. A sync adds the enrolled as members, so these are the students
    who left, were refused (a ban, a full group) or were enrolled since."""
    require_manager(actor, group)
    section = Section.objects.filter(class_group=group).first()
    if section is None:
        return None
    enrolled = Enrolment.objects.filter(section=section, role=Enrolment.Role.STUDENT)
    people = (SourcedUser.objects.filter(pk__in=enrolled.values("sourced_user_id"))
              .exclude(user_id__in=group.memberships.values("user_id"))
              .select_related("user").order_by("user__member_number", "user__display_name",
                                               "pk"))
    return [RosterStudent(user=p.user, suspended=p.suspended,
                          has_account=not p.created_user or p.user.last_login is not None)
            for p in people]


def import_runs(*, actor: Actor, school: School) -> QuerySet[ImportRun]:
    """The school's OneRoster imports, newest first (the history page)."""
    school = roster_school(actor=actor, school=school)
    return (ImportRun.objects.filter(school=school).select_related("user", "sync_run")
            .defer("data").order_by("-pk"))

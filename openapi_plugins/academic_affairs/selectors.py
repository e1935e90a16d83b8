"""Every read of academic affairs: a school's sections and sync runs, for that school only.

A school app reads its own school's roster with the scope school:roster; a
school administrator in a web session reads the schools they administer.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from openapi_plugins.academic_affairs.models import Section, SyncRun
from openapi_plugins.academic_affairs.services import roster_school
from yiban_core.accounts.models import School
from yiban_core.actor import Actor


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

"""A OneRoster import a school can check first: upload (a dry run, kept as a pending
ImportRun with its plan), then apply or cancel.

Applying runs the import for real and compares its report with the plan the
administrator saw: when they differ (the school's data, or the day, changed since the
preview), the import is rolled back, the new plan is kept, and the run waits for a new
confirmation. So what is applied is exactly what was previewed.
"""

from __future__ import annotations

import io
import json

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openapi_plugins.academic_affairs import oneroster
from openapi_plugins.academic_affairs.models import ImportRun
from yiban_core.accounts.models import School
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, Invalid, NotFound


class _Changed(Exception):
    def __init__(self, plan: dict):
        super().__init__()
        self.plan = plan


def _json(plan: dict) -> dict:
    return json.loads(json.dumps(plan))  # as the JSONField gives it back


def school_org(roster: oneroster.Roster, org: str) -> str:
    """The org of the export that is the school: the one named, or the only school in it."""
    if org:
        return org
    schools = oneroster.schools_in(roster)
    if len(schools) == 1:
        return schools[0][0]
    choices = "、".join(f"{sid}（{name}）" for sid, name in schools) or _("无")
    raise Invalid(_("文件里有多所学校，请填写本校的 sourcedId：%(choices)s")
                  % {"choices": choices}, field="org")


def preview_import(*, actor: Actor, school: School, data: bytes, filename: str = "",
                   org_sourced_id: str = "") -> ImportRun:
    """Read the upload and plan its import (nothing changes); the pending run keeps both."""
    from openapi_plugins.academic_affairs.services import import_oneroster, roster_school

    roster_school(actor=actor, school=school)
    roster = oneroster.read_roster(io.BytesIO(data))  # Invalid when it is no export
    org = school_org(roster, org_sourced_id.strip())
    report = import_oneroster(actor=actor, school=school, roster=roster, org_sourced_id=org,
                              dry_run=True)
    return ImportRun.objects.create(school=school, user=actor.user, filename=filename[:255],
                                    org_sourced_id=org, data=data, plan=_json(report.plan()))


def _pending(actor: Actor, run_id) -> ImportRun:
    from openapi_plugins.academic_affairs.services import roster_school

    run = ImportRun.objects.select_for_update().filter(pk=run_id).first()
    if run is None:
        raise NotFound(_("没有这次导入"))
    roster_school(actor=actor, school=run.school)  # another school's admin: denied
    if run.status != ImportRun.Status.PENDING:
        raise Conflict(_("这次导入已经%(s)s") % {"s": run.get_status_display()})
    return run


def apply_import(*, actor: Actor, run_id) -> ImportRun:
    """Apply a pending import as previewed; when the plan changed, re-plan instead (the run
    stays pending with `replanned` set, nothing is applied)."""
    from openapi_plugins.academic_affairs.services import import_oneroster

    with transaction.atomic():
        run = _pending(actor, run_id)
        roster = oneroster.read_roster(io.BytesIO(bytes(run.data)))
        try:
            with transaction.atomic():
                report = import_oneroster(actor=actor, school=run.school, roster=roster,
                                          org_sourced_id=run.org_sourced_id)
                plan = _json(report.plan())
                if plan != run.plan:
                    raise _Changed(plan)  # roll the import back
        except _Changed as changed:
            run.plan, run.replanned = changed.plan, True
            run.save(update_fields=["plan", "replanned"])
            return run
        run.status, run.sync_run, run.replanned = ImportRun.Status.APPLIED, report.run, False
        run.data, run.decided_at = b"", timezone.now()
        run.save()
        return run


def cancel_import(*, actor: Actor, run_id) -> ImportRun:
    """Discard a pending import: nothing of it is applied, its file is dropped."""
    with transaction.atomic():
        run = _pending(actor, run_id)
        run.status, run.data, run.decided_at = ImportRun.Status.CANCELLED, b"", timezone.now()
        run.save()
        return run

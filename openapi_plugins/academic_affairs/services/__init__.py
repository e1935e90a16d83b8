"""Every write of academic affairs: roster syncs, as idempotent upserts by sourced id.

Who may sync: a school app acting for its own school with the scope
`school:roster`, or a school administrator in a web session; nobody else
(accounts.rules.require_roster_authority).

A batch is one transaction and one SyncRun; sending the same batch twice changes
nothing the second time (every row reports "unchanged"). The public services live
here; what they do is split by concern around the shared batch context:

- batch.py: the report, the row rules, applying a batch row by row or in bulk;
- catalogue.py: terms, courses, sections;
- users.py: people (accounts, sourced ids, the official group);
- enrolments.py: enrolments;
- reconcile.py: class groups and their memberships, matched to the enrolments.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openapi_plugins.academic_affairs.models import SyncRun
from openapi_plugins.academic_affairs.services import bulk
from openapi_plugins.academic_affairs.services.batch import (
    MAX_BATCH,
    RowRejected,
    Sync,
    SyncReport,
    check_batch,
)
from openapi_plugins.academic_affairs.services.catalogue import (
    apply_courses,
    apply_sections,
    apply_terms,
)
from openapi_plugins.academic_affairs.services.enrolments import apply_enrolments
from openapi_plugins.academic_affairs.services.imports import (
    apply_import,
    cancel_import,
    preview_import,
)
from openapi_plugins.academic_affairs.services.users import apply_users
from openapi_plugins.webhooks.events import emit
from yiban_core.accounts.models import School
from yiban_core.accounts.rules import require_roster_authority
from yiban_core.actor import Actor
from yiban_core.audit import services as audit
from yiban_core.errors import Invalid

# --- who may sync -------------------------------------------------------------------


def roster_school(*, actor: Actor, school: School | None = None) -> School:
    """The school `actor` may sync the roster of, or PermissionDenied: a school app's own
    school (`school` may be left out), or the given school of its administrator."""
    if actor.user is None and actor.school is not None:  # a school app
        actor.require_scope("school:roster")
        school = actor.school if school is None else school
    else:
        actor.require_user()
        actor.require_scope("school:roster")  # a user's OAuth token never carries it
        if school is None:
            raise Invalid(_("请指定学校"), field="school")
    require_roster_authority(actor, school, denied=_("只有学校管理员可以同步名单"))
    return school


def _start(actor: Actor, school: School | None, kind: str, source: str) -> tuple[Sync, SyncRun]:
    school = roster_school(actor=actor, school=school)
    run = SyncRun.objects.create(school=school, kind=kind, source=source,
                                 app_id=actor.app_id if actor.user is None else None,
                                 user=actor.user)
    return Sync(actor=actor, school=school), run


class _DryRun(Exception):
    """Raised inside a sync's transaction to roll back what it did: a preview."""

    def __init__(self, report: SyncReport):
        super().__init__()
        self.report = report


def _previewed(work, dry_run: bool) -> SyncReport:
    """Run work() (which applies a sync in a transaction and returns its report); with
    dry_run, the transaction is rolled back: the report says what would happen, nothing
    changed (no run, no event, no audit entry)."""
    try:
        with transaction.atomic():
            report = work()
            if dry_run:
                raise _DryRun(report)
            return report
    except _DryRun as preview:
        preview.report.run = None
        preview.report.dry_run = True
        return preview.report


def _finish(run: SyncRun, report: SyncReport) -> SyncReport:
    run.created, run.updated, run.removed = report.created, report.updated, report.removed
    run.unchanged, run.rejected = report.unchanged, report.rejected
    run.finished_at = timezone.now()
    run.save()
    report.run = run
    emit("roster.synced", object_id=run.pk, school_id=run.school_id)
    audit.record("roster.import", user=run.user, app_id=run.app_id, target=run,
                 school=run.school_id, detail=run.summary())
    return report


def _sync(kind: str, apply_batch):
    """A public sync service: check the batch and the actor, run it in one transaction."""

    def service(*, actor: Actor, rows: list[dict], school: School | None = None,
                source: str = SyncRun.Source.GRAPHQL, dry_run: bool = False,
                **options: Any) -> SyncReport:
        roster_school(actor=actor, school=school)  # who asks, before what they sent
        rows = list(rows)
        check_batch(rows)

        def work() -> SyncReport:
            sync, run = _start(actor, school, kind, source)
            report = SyncReport()
            apply_batch(sync, rows, report, **options)
            return _finish(run, report)

        return _previewed(work, dry_run)

    service.__name__ = f"upsert_{kind}"
    service.__doc__ = apply_batch.__doc__
    return service


upsert_terms = _sync("terms", apply_terms)
upsert_courses = _sync("courses", apply_courses)
upsert_sections = _sync("sections", apply_sections)
upsert_users = _sync("users", apply_users)
upsert_enrolments = _sync("enrolments", apply_enrolments)


# --- OneRoster files ----------------------------------------------------------------

def import_oneroster(*, actor: Actor, school: School, roster, org_sourced_id: str,
                     as_of: date | None = None, dry_run: bool = False) -> SyncReport:
    """Import a parsed OneRoster export (oneroster.Roster) into `school`, mapping the org
    `org_sourced_id` to it. One transaction and one sync run; rows of other schools, and
    rows that cannot be read, are rejected with their file and line. Enrolments whose
    endDate is before `as_of` (today) end. With dry_run, the same work is done and rolled
    back: the report is the preview of an import, and nothing changes."""
    roster_school(actor=actor, school=school)
    return _previewed(lambda: _import_oneroster(actor, school, roster, org_sourced_id, as_of),
                      dry_run)


def _import_oneroster(actor: Actor, school: School, roster, org_sourced_id: str,
                      as_of: date | None) -> SyncReport:
    from openapi_plugins.academic_affairs import oneroster

    sync, run = _start(actor, school, "oneroster", SyncRun.Source.ONEROSTER)
    if as_of is not None:
        sync.today = as_of
    report = SyncReport()
    batches = oneroster.rows_for_school(roster, org_sourced_id)  # raises Invalid
    report.rejected.extend(batches.rejected)
    report.skipped.extend(batches.skipped)
    version = roster.manifest.get("manifest.version")
    if roster.manifest and version != "1.0":
        report.notes.append(_("manifest.csv 的 manifest.version 应为 1.0，而不是 “%(v)s”："
                              "清单可能有误，请核对导出") % {"v": version or ""})
    modes = {kind: "bulk" if roster.is_bulk(name) else "delta"
             for kind, name in (("sections", "classes"), ("enrolments", "enrollments"))}
    report.notes.append(_("导入方式：教学班 %(s)s，选课 %(e)s（bulk 为全量：导出中没有的"
                          "即已结束；delta 为增量：只有 tobedeleted 删除）")
                        % {"s": modes["sections"], "e": modes["enrolments"]})
    for kind, apply_batch in (("terms", apply_terms), ("courses", apply_courses),
                              ("sections", apply_sections), ("users", apply_users),
                              ("enrolments", apply_enrolments)):
        part = SyncReport()
        rows = batches.rows[kind]
        if kind == "enrolments" and modes[kind] == "bulk":
            rows = rows + bulk.absent_enrolments(sync, rows, part)
        apply_batch(sync, rows, part)
        if kind == "sections" and modes[kind] == "bulk":
            bulk.archive_dropped_sections(sync, rows, part)
        for entry in part.rejected:  # the index is the file's; say which file and line
            entry.pop("index", None)
        report.merge(part)
    report.rejected.sort(key=lambda e: (e.get("file", ""), e.get("line", 0)))
    return _finish(run, report)


def complete_bulk_sync(*, actor: Actor, class_sourced_ids: list[str],
                       enrolment_sourced_ids: list[str], school: School | None = None,
                       source: str = SyncRun.Source.GRAPHQL) -> SyncReport:
    """The last step of a bulk export sent in batches (services/bulk.py): given every
    class and enrolment sourcedId of the school in the export, the classes left out are
    dropped (their groups archived) and the enrolments left out end."""
    roster_school(actor=actor, school=school)  # who asks, before what they sent
    classes = [{"sourced_id": str(s).strip()} for s in class_sourced_ids if str(s).strip()]
    enrolments = [{"sourced_id": str(s).strip()} for s in enrolment_sourced_ids
                  if str(s).strip()]
    if not classes:  # an empty list would archive every class: a client's mistake
        raise Invalid(_("全量同步至少要列出一个教学班"), field="classSourcedIds")
    with transaction.atomic():
        sync, run = _start(actor, school, "bulk", source)
        report = SyncReport()
        bulk.archive_dropped_sections(sync, classes, report)
        apply_enrolments(sync, bulk.absent_enrolments(sync, enrolments, report), report)
        return _finish(run, report)


__all__ = [
    "MAX_BATCH",
    "RowRejected",
    "SyncReport",
    "apply_import",
    "cancel_import",
    "complete_bulk_sync",
    "import_oneroster",
    "preview_import",
    "roster_school",
    "upsert_courses",
    "upsert_enrolments",
    "upsert_sections",
    "upsert_terms",
    "upsert_users",
]

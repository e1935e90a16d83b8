"""A bulk export is the whole truth about its school (OneRoster manifest `file.*=bulk`).

What a bulk file leaves out is gone: a class absent from a bulk classes.csv was
dropped, and its class group is archived (read-only, kept for its members to read,
nobody joins or posts; groups.models.Group.archived_at); an enrolment absent from a
bulk enrollments.csv ended, and its membership ends as a tobedeleted row's would (a
dropped class's too: its archived group keeps its owner, reconcile.py). A
delta file changes only what it lists: there, only `tobedeleted` removes. Only this
school's rows are ever touched: the export's other schools are not read.
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from openapi_plugins.academic_affairs.models import Enrolment, Section
from openapi_plugins.academic_affairs.services.batch import TO_BE_DELETED, Sync, SyncReport
from yiban_core.groups.models import Group


def archive_dropped_sections(sync: Sync, rows: list[dict], report: SyncReport) -> None:
    """Archive the class groups of the school's sections a bulk classes.csv leaves out
    (and bring back those it lists again)."""
    listed = {str(row.get("sourced_id") or "").strip() for row in rows}
    sections = Section.objects.filter(school=sync.school)
    dropped = dict(sections.exclude(sourced_id__in=listed).values_list("pk", "class_group_id"))
    archived = Group.objects.filter(pk__in=[g for g in dropped.values() if g is not None],
                                    archived_at__isnull=True).update(archived_at=timezone.now())
    Group.objects.filter(section__in=sections.filter(sourced_id__in=listed),
                         archived_at__isnull=False).update(archived_at=None)
    if archived:
        report.notes.append(_("全量导出：%(n)d 个教学班已不在导出中，其班级群已归档（只读）")
                            % {"n": archived})


def absent_enrolments(sync: Sync, rows: list[dict], report: SyncReport) -> list[dict]:
    """The school's enrolments a bulk enrollments.csv leaves out, as tobedeleted rows to
    apply with the file's (a dropped class's included: its group keeps only its owner)."""
    listed = {str(row.get("sourced_id") or "").strip() for row in rows}
    ended = [{"sourced_id": sourced_id, "status": TO_BE_DELETED, "section_sourced_id": section}
             for sourced_id, section in Enrolment.objects.filter(school=sync.school)
             .exclude(sourced_id__in=listed).values_list("sourced_id", "section__sourced_id")]
    if ended:
        report.notes.append(_("全量导出：%(n)d 条不在导出中的选课已结束") % {"n": len(ended)})
    return ended

"""Terms, courses and sections (教学班) of a roster sync, row by row: a school has few.
A section's class group is renamed with it; a deleted section leaves its class group
to its teachers, no longer synced.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from openapi_plugins.academic_affairs.models import (
    CourseRecord,
    Section,
    Term,
)
from openapi_plugins.academic_affairs.services.batch import (
    TO_BE_DELETED,
    RowRejected,
    Sync,
    SyncReport,
    apply_rows,
    field_text,
    row_date,
    row_status,
    upsert_row,
)
from yiban_core.accounts.models import School
from yiban_core.errors import DomainError
from yiban_core.search.services import index_later

# --- terms --------------------------------------------------------------------------

def apply_terms(sync: Sync, rows: list[dict], report: SyncReport) -> None:
    """Upsert academic sessions (学年, 学期): sourcedId, title, type, startDate, endDate,
    parentSourcedId, schoolYear, status."""
    batch_ids = {str(row.get("sourced_id") or "").strip() for row in rows}
    parents: dict[str, str] = {}

    def apply(row: dict, sourced_id: str) -> str:
        if row_status(row) == TO_BE_DELETED:
            deleted, _details = Term.objects.filter(school=sync.school,
                                                    sourced_id=sourced_id).delete()
            return "removed" if deleted else "unchanged"
        kind = field_text(row, "kind", max_length=20, required=True, label="type")
        if kind not in Term.Kind.values:
            raise RowRejected(_("学期类型 %(kind)s 不正确，应为 %(kinds)s")
                              % {"kind": kind, "kinds": ", ".join(Term.Kind.values)})
        start, end = row_date(row, "start_date"), row_date(row, "end_date")
        if end < start:
            raise RowRejected(_("结束日期早于开始日期"))
        parent_id = field_text(row, "parent_sourced_id", max_length=255)
        parent = None
        if parent_id:
            if parent_id == sourced_id:
                raise RowRejected(_("学期不能是自己的上级"))
            parent = Term.objects.filter(school=sync.school, sourced_id=parent_id).first()
            if parent is None and parent_id not in batch_ids:
                raise RowRejected(_("找不到上级学期 %(id)s") % {"id": parent_id})
        values = {"title": field_text(row, "title", max_length=100, required=True),
                  "kind": kind, "start_date": start, "end_date": end,
                  "school_year": field_text(row, "school_year", max_length=4)}
        if parent is not None or not parent_id:
            values["parent"] = parent
        else:
            parents[sourced_id] = parent_id  # a parent later in this batch: set below
        _term, outcome = upsert_row(Term, school=sync.school, sourced_id=sourced_id, values=values)
        return outcome

    apply_rows(rows, report, apply)
    for sourced_id, parent_id in parents.items():
        parent = Term.objects.filter(school=sync.school, sourced_id=parent_id).first()
        Term.objects.filter(school=sync.school, sourced_id=sourced_id).update(parent=parent)


# --- courses ------------------------------------------------------------------------

def _resources_course(school: School, code: str, title: str):
    """The resources app's course of this code, so shared resources meet the class."""
    from resources.services import course_for

    if not code:
        return None
    try:
        return course_for(school=school, code=code, name=title)
    except DomainError:
        return None


def apply_courses(sync: Sync, rows: list[dict], report: SyncReport) -> None:
    """Upsert courses: sourcedId, title, courseCode, status."""

    def apply(row: dict, sourced_id: str) -> str:
        if row_status(row) == TO_BE_DELETED:
            course = CourseRecord.objects.filter(school=sync.school, sourced_id=sourced_id).first()
            if course is None:
                return "unchanged"
            if course.sections.exists():
                raise RowRejected(_("仍有教学班属于这门课程，不能删除"))
            course.delete()
            return "removed"
        title = field_text(row, "title", max_length=100, required=True)
        code = field_text(row, "code", max_length=30)
        values = {"title": title, "code": code,
                  "course": _resources_course(sync.school, code, title)}
        _course, outcome = upsert_row(CourseRecord, school=sync.school, sourced_id=sourced_id,
                                   values=values)
        return outcome

    apply_rows(rows, report, apply)


# --- sections -----------------------------------------------------------------------

def group_name(section: Section) -> str:
    return section.title[:60]


def apply_sections(sync: Sync, rows: list[dict], report: SyncReport) -> None:
    """Upsert sections (教学班): sourcedId, title, courseSourcedId, termSourcedIds,
    classCode, status. A section's class group is renamed with it; a deleted section
    leaves its class group to its teachers, no longer synced."""

    def apply(row: dict, sourced_id: str) -> str:
        if row_status(row) == TO_BE_DELETED:
            deleted, _details = Section.objects.filter(school=sync.school,
                                                       sourced_id=sourced_id).delete()
            return "removed" if deleted else "unchanged"
        course_id = field_text(row, "course_sourced_id", max_length=255, required=True,
                          label="courseSourcedId")
        course = CourseRecord.objects.filter(school=sync.school, sourced_id=course_id).first()
        if course is None:
            raise RowRejected(_("找不到课程 %(id)s") % {"id": course_id})
        term_ids = [str(t).strip() for t in row.get("term_sourced_ids") or [] if str(t).strip()]
        terms = list(Term.objects.filter(school=sync.school, sourced_id__in=term_ids))
        missing = sorted(set(term_ids) - {term.sourced_id for term in terms})
        if missing:
            raise RowRejected(_("找不到学期 %(ids)s") % {"ids": ", ".join(missing)})
        values = {"title": field_text(row, "title", max_length=100, required=True),
                  "course": course, "class_code": field_text(row, "class_code", max_length=100)}
        section, outcome = upsert_row(Section, school=sync.school, sourced_id=sourced_id,
                                   values=values)
        if {t.pk for t in section.terms.all()} != {t.pk for t in terms}:
            section.terms.set(terms)
            outcome = "updated" if outcome == "unchanged" else outcome
        group = section.class_group
        if group is not None and group.name != group_name(section):
            group.name = group_name(section)
            group.save(update_fields=["name"])
            index_later("group", group.pk)
        return outcome

    apply_rows(rows, report, apply)

"""Enrolments of a roster sync, a batch at a time; each batch then reconciles the
class groups of the sections it touched (reconcile.py).
"""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from openapi_plugins.academic_affairs.models import (
    Enrolment,
    Section,
    SourcedUser,
)
from openapi_plugins.academic_affairs.services.batch import (
    TEACHER_ACCOUNT_ROLES,
    TO_BE_DELETED,
    RowRejected,
    Sync,
    SyncReport,
    apply_in_bulk,
    decide_rows,
    field_text,
    ids_of,
    row_date,
    row_status,
)
from openapi_plugins.academic_affairs.services.reconcile import reconcile


def apply_enrolments(sync: Sync, rows: list[dict], report: SyncReport,
                      replace: bool = False) -> None:
    """Upsert enrolments: sourcedId, classSourcedId, userSourcedId, role (student/teacher),
    primary, status, end_date (one in the past ends the enrolment, as tobedeleted does).
    With replace, each section named in the batch keeps only the enrolments the batch
    lists: the others are removed (a full roster of those sections)."""
    apply_in_bulk(rows, report, lambda batch, part: _enrolments_batch(sync, batch, part,
                                                                       replace))


def _enrolments_batch(sync: Sync, batch: list[tuple[int, dict]], report: SyncReport,
                      replace: bool) -> None:
    school = sync.school
    state: dict[str, Enrolment | None] = {
        e.sourced_id: e for e in Enrolment.objects.select_related("sourced_user").filter(
            school=school, sourced_id__in=ids_of(batch, "sourced_id"))}
    sections = {s.sourced_id: s for s in Section.objects.filter(
        school=school, sourced_id__in=ids_of(batch, "section_sourced_id"))}
    people = {p.sourced_id: p for p in SourcedUser.objects.select_related("user").filter(
        school=school, sourced_id__in=ids_of(batch, "user_sourced_id"))}
    seen: dict[int, set[str]] = {}
    touched: dict[int, dict[int, list[int]]] = {}
    deleted: dict[int, Enrolment] = {}
    created: dict[str, Enrolment] = {}
    updated: dict[int, Enrolment] = {}

    def touch(section_id: int, user_id: int, index: int | None) -> None:
        indexes = touched.setdefault(section_id, {}).setdefault(user_id, [])
        if index is not None:
            indexes.append(index)

    def decide(index: int, row: dict, sourced_id: str) -> str:
        existing = state.get(sourced_id)
        section_id = field_text(row, "section_sourced_id", max_length=255, required=True,
                           label="classSourcedId")
        section = sections.get(section_id)
        if section is None:
            raise RowRejected(_("找不到教学班 %(id)s") % {"id": section_id})
        seen.setdefault(section.pk, set()).add(sourced_id)
        end = row_date(row, "end_date") if str(row.get("end_date") or "").strip() else None
        if row_status(row) == TO_BE_DELETED or (end is not None and end < sync.today):
            if existing is None:
                return "unchanged"
            state[sourced_id] = None
            if existing.pk is None:
                del created[sourced_id]
            else:
                deleted[existing.pk] = existing
                updated.pop(existing.pk, None)
            touch(existing.section_id, existing.sourced_user.user_id, index)
            return "removed"
        user_id = field_text(row, "user_sourced_id", max_length=255, required=True,
                        label="userSourcedId")
        person = people.get(user_id)
        if person is None:
            raise RowRejected(_("找不到用户 %(id)s（请先同步用户）") % {"id": user_id})
        role = field_text(row, "role", max_length=20, required=True)
        if role not in Enrolment.Role.values:
            raise RowRejected(_("不支持的选课身份 %(role)s：只同步学生（student）和教师（teacher）")
                              % {"role": role})
        if role == Enrolment.Role.TEACHER and person.user.role not in TEACHER_ACCOUNT_ROLES:
            raise RowRejected(_("%(id)s 不是教师账号，不能以教师身份加入教学班") % {"id": user_id})
        primary = str(row.get("primary") or "").strip().lower() in ("true", "1", "yes")
        values = {"section_id": section.pk, "sourced_user_id": person.pk, "role": role,
                  "primary": primary and role == Enrolment.Role.TEACHER}
        before = None
        if existing is None:
            enrolment = Enrolment(school=school, sourced_id=sourced_id, section=section,
                                  sourced_user=person, role=role, primary=values["primary"])
            state[sourced_id] = created[sourced_id] = enrolment
            outcome = "created"
        elif all(getattr(existing, name) == value for name, value in values.items()):
            outcome = "unchanged"
        else:
            before = (existing.section_id, existing.sourced_user)
            existing.section, existing.sourced_user = section, person
            existing.role, existing.primary = role, values["primary"]
            if existing.pk is not None:
                updated[existing.pk] = existing
            outcome = "updated"
        if outcome == "unchanged" and section.class_group_id is not None:
            return outcome
        if before is not None and before[0] != section.pk:
            touch(before[0], before[1].user_id, index)
        touch(section.pk, person.user_id, index)
        if before is not None and before[1].pk != person.pk:
            touch(section.pk, before[1].user_id, index)
        return outcome

    decide_rows(batch, report, decide)
    if replace and seen:
        for enrolment in Enrolment.objects.select_related("sourced_user").filter(
                section_id__in=list(seen)):
            final = state.get(enrolment.sourced_id, enrolment)
            if (final is None or final.pk is None or final.section_id not in seen
                    or final.sourced_id in seen[final.section_id]):
                continue
            deleted[final.pk] = final
            updated.pop(final.pk, None)
            report.removed += 1
            touch(final.section_id, final.sourced_user.user_id, None)

    if deleted:
        Enrolment.objects.filter(pk__in=list(deleted)).delete()
    if updated:
        now = timezone.now()
        for enrolment in updated.values():
            enrolment.updated_at = now
        Enrolment.objects.bulk_update(list(updated.values()), [
            "section", "sourced_user", "role", "primary", "updated_at"])
    if created:
        Enrolment.objects.bulk_create(list(created.values()))
    reconcile(sync, touched)

"""What the academic-affairs plugin keeps about a person: their links to the school's
roster (外部 ID, role, courses enrolled) and, for an administrator, the syncs and imports
they ran (counts only: the roster rows are other people's data)."""

from django.utils.translation import gettext_lazy as _

from openapi_plugins.academic_affairs.models import Enrolment, ImportRun, SourcedUser, SyncRun
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, rows


def _link(link: SourcedUser) -> dict:
    return {"school": link.school.name, "sourced_id": link.sourced_id, "role": link.role,
            "created_by_sync": link.created_user, "suspended": link.suspended,
            "created_at": iso(link.created_at)}


def _enrolment(enrolment: Enrolment) -> dict:
    return {"section": enrolment.section.title, "course": enrolment.section.course.title,
            "role": enrolment.get_role_display(), "created_at": iso(enrolment.created_at)}


def export(user) -> dict:
    return {
        "roster_links": rows(SourcedUser.objects.filter(user=user).select_related("school")
                             .order_by("pk"), _link),
        "enrolments": rows(Enrolment.objects.filter(sourced_user__user=user)
                           .select_related("section__course").order_by("pk"), _enrolment),
        "syncs_run": rows(SyncRun.objects.filter(user=user).order_by("pk"), lambda run: {
            "kind": run.kind, "source": run.get_source_display(),
            "started_at": iso(run.started_at), "finished_at": iso(run.finished_at),
            "created": run.created, "updated": run.updated, "removed": run.removed}),
        "imports_run": rows(ImportRun.objects.filter(user=user).order_by("pk"), lambda run: {
            "filename": run.filename, "status": run.get_status_display(),
            "created_at": iso(run.created_at), "decided_at": iso(run.decided_at)}),
    }


declare(Declaration(app="academic_affairs", title=_("教务名单"),
                    models=[SourcedUser, SyncRun, ImportRun], export=export))

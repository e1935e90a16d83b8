"""What the vocational plugin keeps about a person: a student's training and internship
records with their attachments; for a teacher, what they wrote on the records they
supervise or signed (the student's own words stay the student's)."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from openapi_plugins.vocational.models import TrainingAttachment, TrainingRecord
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import file_name, iso, name_of, rows


def _attachment_name(attachment: TrainingAttachment) -> str:
    return file_name(f"vocational/record-{attachment.record_id}-{attachment.pk}",
                     attachment.filename)


def _record(record: TrainingRecord) -> dict:
    return {
        "id": record.pk, "kind": record.get_kind_display(), "title": record.title,
        "workplace": record.workplace, "start_date": record.start_date.isoformat(),
        "end_date": record.end_date.isoformat(), "hours": str(record.hours),
        "tasks": record.tasks, "reflection": record.reflection,
        "status": record.get_status_display(), "supervisor": name_of(record.supervisor),
        "signed_by": name_of(record.signed_by), "signed_at": iso(record.signed_at),
        "teacher_comment": record.teacher_comment, "created_at": iso(record.created_at),
        "attachments": [_attachment_name(a) for a in record.attachments.all()],
    }


def _supervised(record: TrainingRecord) -> dict:
    return {"id": record.pk, "status": record.get_status_display(),
            "signed_at": iso(record.signed_at), "teacher_comment": record.teacher_comment}


def export(user) -> dict:
    own = (TrainingRecord.objects.filter(student=user)
           .select_related("supervisor", "signed_by").prefetch_related("attachments")
           .order_by("pk"))
    supervised = TrainingRecord.objects.filter(
        Q(supervisor=user) | Q(signed_by=user)).exclude(student=user).order_by("pk")
    return {"training_records": rows(own, _record),
            "records_supervised": rows(supervised, _supervised)}


def files(user):
    attachments = TrainingAttachment.objects.filter(record__student=user).order_by("pk")
    for attachment in attachments.iterator(chunk_size=500):
        yield _attachment_name(attachment), attachment.file


declare(Declaration(app="vocational", title=_("实训与实习记录"), models=[TrainingRecord],
                    export=export, files=files))

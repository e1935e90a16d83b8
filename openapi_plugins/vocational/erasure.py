"""What a cancelled account leaves in the vocational plugin (yiban_core/privacy/closure.py).

A student's training and growth records are their own (what they did, where, what they
thought of it): deleted with their attachments, whatever they chose for their posts, and
the files removed once the erasure commits. Records of other students that the person
supervised or signed stay as those students' records, naming the anonymised account."""

from __future__ import annotations

from django.db import transaction

from openapi_plugins.vocational.models import TrainingAttachment, TrainingRecord
from yiban_core.privacy.registry import erasure


@erasure("vocational")
def erase(user, keep_content: bool) -> None:
    records = TrainingRecord.objects.filter(student=user)
    files = list(TrainingAttachment.objects.filter(record__in=records)
                 .values_list("file", flat=True))
    records.delete()  # and their attachments' rows
    if files:
        storage = TrainingAttachment._meta.get_field("file").storage

        def delete_files() -> None:
            for name in files:
                storage.delete(name)
        transaction.on_commit(delete_files)

"""What a cancelled account leaves in verification (yiban_core/privacy/closure.py): its
verification requests go with their 学号 and student-card photos (the files removed once
the erasure commits), and so do its activation codes; requests and codes it decided or
issued for others no longer name it."""

from __future__ import annotations

from django.db import transaction

from yiban_core.privacy.registry import erasure
from yiban_core.verification.models import ActivationCode, VerificationRequest


@erasure("verification")
def erase(user, keep_content: bool) -> None:
    requests = VerificationRequest.objects.filter(user=user)
    photos = [name for name in requests.values_list("photo", flat=True) if name]
    requests.delete()
    if photos:
        storage = VerificationRequest._meta.get_field("photo").storage

        def delete_photos() -> None:
            for name in photos:
                storage.delete(name)
        transaction.on_commit(delete_photos)
    VerificationRequest.objects.filter(decided_by=user).update(decided_by=None)
    ActivationCode.objects.filter(user=user).delete()
    ActivationCode.objects.filter(issued_by=user).update(issued_by=None)

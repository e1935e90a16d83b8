"""A person's school verification: their requests (with the student-card photo they
uploaded) and the activation codes issued to them (when, used or not: never the code)."""

from django.utils.translation import gettext_lazy as _

from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import file_name, iso, rows
from yiban_core.verification.models import ActivationCode, VerificationRequest


def _photo_name(request: VerificationRequest) -> str:
    return file_name(f"verification/request-{request.pk}", request.photo.name)


def export(user) -> dict:
    return {
        "requests": rows(
            VerificationRequest.objects.filter(user=user).select_related("school")
            .order_by("pk"),
            lambda r: {"school": r.school.name, "member_number": r.member_number,
                       "note": r.note, "status": r.get_status_display(), "reason": r.reason,
                       "photo": _photo_name(r) if r.photo else None,
                       "created_at": iso(r.created_at), "decided_at": iso(r.decided_at)}),
        "activation_codes": rows(
            ActivationCode.objects.filter(user=user).select_related("school").order_by("pk"),
            lambda c: {"school": c.school.name, "issued_at": iso(c.created_at),
                       "expires_at": iso(c.expires_at), "used_at": iso(c.used_at),
                       "revoked_at": iso(c.revoked_at)}),
    }


def files(user):
    requests = VerificationRequest.objects.filter(user=user).exclude(photo="").order_by("pk")
    for request in requests.iterator(chunk_size=500):
        yield _photo_name(request), request.photo


declare(Declaration(app="verification", title=_("学校认证"),
                    models=[VerificationRequest, ActivationCode], export=export, files=files))

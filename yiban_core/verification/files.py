"""Who may see a verification request's photo of a student card (served by /files/): the
student who sent it and the school's administrators. Never public."""

from __future__ import annotations

from yiban_core.actor import Actor
from yiban_core.files.owners import Audience, register
from yiban_core.verification import selectors
from yiban_core.verification.models import VerificationRequest


def photo_audience(actor: Actor, name: str) -> Audience | None:
    request = VerificationRequest.objects.select_related("school").filter(photo=name).first()
    if request is None or not selectors.may_see_request(actor=actor, request=request):
        return None
    return Audience.RESTRICTED


def register_owner() -> None:
    register(prefixes=("private/verification/",), audience=photo_audience)

"""Who may read a training-record attachment (served by /files/): whoever may read
the record (selectors.get_record, rules.can_read). Never public."""

from __future__ import annotations

from openapi_plugins.vocational import selectors
from openapi_plugins.vocational.models import TrainingAttachment
from yiban_core.actor import Actor
from yiban_core.errors import DomainError
from yiban_core.files.owners import Audience, register


def attachment_audience(actor: Actor, name: str) -> Audience | None:
    record_id = (TrainingAttachment.objects.filter(file=name)
                 .values_list("record_id", flat=True).first())
    if record_id is None:
        return None
    try:
        selectors.get_record(actor=actor, pk=record_id)
    except DomainError:
        return None
    return Audience.RESTRICTED


def register_owner() -> None:
    register(prefixes=("private/training/",), audience=attachment_audience)

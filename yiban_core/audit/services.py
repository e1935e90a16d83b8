"""Writing the audit log: `record(...)`, called inside the transaction of the change it
records (so a rollback leaves no entry and a commit never loses one), and the retention
prune, the only way rows leave the log."""

from __future__ import annotations

import ipaddress
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.utils import timezone

from yiban_core.actor import Actor
from yiban_core.audit.context import get_ip
from yiban_core.audit.models import AuditEntry, Outcome

PRUNE_BATCH = 5000
# The transaction-local setting the PostgreSQL trigger reads (migration 0002).
PRUNE_SETTING = "yiban.audit_prune_before"


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address(value)) if value else None
    except ValueError:  # "unknown", or a proxy's garbage
        return None


def describe(obj: models.Model | None) -> tuple[str, str, str]:
    """(type, id, text) of a row, as the log keeps it."""
    if obj is None:
        return "", "", ""
    meta = obj._meta
    return f"{meta.app_label}.{meta.model_name}", str(obj.pk), str(obj)[:200]


def record(action: str, *, by: Actor | None = None, user=None, app_id: int | None = None,
           target: models.Model | None = None, target_type: str = "", target_id: Any = "",
           target_text: str = "", school: Any = None, outcome: str = Outcome.SUCCESS,
           detail: dict | None = None, ip: str | None = None,
           username: str = "") -> AuditEntry:
    """One entry. `by` (the acting Actor) or `user` and `app_id` say who, `target` (or its
    type, id and text) what it was done to, `school` (a School or its id) whose log it
    belongs to; the client address is the request's unless given."""
    if by is not None:
        user = user or by.user
        app_id = app_id or by.app_id
        if school is None and by.user is None:
            school = by.school  # a school app acts for its school
    if target is not None:
        target_type, target_id, target_text = describe(target)
    school_id = getattr(school, "pk", school)
    return AuditEntry.objects.create(
        actor=user if getattr(user, "pk", None) else None,
        actor_username=(getattr(user, "username", "") or username)[:150],
        app_id=app_id, action=action, target_type=target_type[:60],
        target_id=str(target_id)[:64], target_text=str(target_text)[:200],
        school_id=school_id, ip=_valid_ip(ip or get_ip()), outcome=outcome,
        detail=detail or {})


def retention_cutoff(now: datetime | None = None) -> datetime:
    return (now or timezone.now()) - timedelta(days=settings.AUDIT_RETENTION_DAYS)


def prune(*, now: datetime | None = None) -> int:
    """Delete the entries older than AUDIT_RETENTION_DAYS, in batches; how many went.
    Running it again deletes nothing more."""
    cutoff = retention_cutoff(now)
    deleted = 0
    while True:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:  # SET LOCAL, with a bound value
                    cursor.execute("SELECT set_config(%s, %s, true)",
                                   [PRUNE_SETTING, cutoff.isoformat()])
            ids = list(AuditEntry.objects.filter(at__lt=cutoff).order_by("at")
                       .values_list("pk", flat=True)[:PRUNE_BATCH])
            if not ids:
                return deleted
            # The model's queryset refuses delete(); the prune is the one exception.
            count, _rows = models.QuerySet.delete(AuditEntry.objects.filter(pk__in=ids))
            deleted += count

"""Awarding and reversing points. Every change is a ledger row; the balance moves with it."""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Model, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiban_core.actor import Actor, web_session_only
from yiban_core.credits import boards
from yiban_core.credits.models import PointBalance, PointEntry, PointPeriodTotal
from yiban_core.credits.rules import rule as get_rule
from yiban_core.credits.windows import window_start
from yiban_core.errors import Conflict


def _source_fields(source: Model | None) -> dict:
    if source is None:
        return {}
    return {"source_type": ContentType.objects.get_for_model(source), "source_id": source.pk}


def _book(user_id: int, amount: int, **fields) -> PointEntry:
    """Inside a transaction: write the row, move the balance and the period totals, and
    the Redis boards after commit."""
    entry = PointEntry.objects.create(user_id=user_id, amount=amount, **fields)
    PointBalance.objects.filter(user_id=user_id).update(total=F("total") + amount)
    _add_to_periods(user_id, amount, entry.created_at)
    boards.record_points(user_id, amount, entry.created_at)
    return entry


def _add_to_periods(user_id: int, amount: int, when) -> None:
    table = PointPeriodTotal._meta.db_table
    rows = [(user_id, period, window_start(period, when).date(), amount)
            for period in PointPeriodTotal.Period.values]
    # One upsert for the three periods (PostgreSQL and SQLite both speak ON CONFLICT).
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (user_id, period, starts, total) VALUES "
            + ", ".join(["(%s, %s, %s, %s)"] * len(rows))
            + " ON CONFLICT (user_id, period, starts) DO UPDATE SET total = "
            f"{table}.total + excluded.total",
            [value for row in rows for value in row],
        )


def award(*, user_id: int, rule: str, key: str, source: Model | None = None) -> PointEntry | None:
    """Pay `rule` to a user once for `key`; within the rule's daily cap. None: nothing paid."""
    spec = get_rule(rule)
    key = f"{rule}:{key}"
    with transaction.atomic():
        # Lock the user's balance: awards to one user are serial, so the cap holds.
        PointBalance.objects.get_or_create(user_id=user_id)
        PointBalance.objects.select_for_update().get(user_id=user_id)
        if PointEntry.objects.filter(idempotency_key=key).exists():
            return None
        amount = spec.points
        if spec.daily_cap is not None:
            earned = PointEntry.objects.filter(
                user_id=user_id, rule=rule, amount__gt=0,
                created_at__gte=window_start("day"),
            ).aggregate(total=Sum("amount"))["total"] or 0
            amount = min(amount, spec.daily_cap - earned)
        if amount <= 0:
            return None
        try:
            with transaction.atomic():
                return _book(user_id, amount, rule=rule, idempotency_key=key,
                             **_source_fields(source))
        except IntegrityError:  # the same key, paid concurrently
            return None


def reverse_for(source: Model) -> int:
    """Take back every award that `source` earned (it was deleted). Safe to run twice."""
    fields = _source_fields(source)
    reversed_count = 0
    with transaction.atomic():
        entries = PointEntry.objects.filter(amount__gt=0, reversed_by__isnull=True, **fields)
        # of=self: the reversed_by join is an outer join, which PostgreSQL cannot lock.
        for entry in entries.select_for_update(of=("self",)):
            try:
                with transaction.atomic():
                    _book(entry.user_id, -entry.amount, rule=entry.rule, reverses=entry,
                          idempotency_key=f"reverse:{entry.idempotency_key}")
                    reversed_count += 1
            except IntegrityError:
                continue
    return reversed_count


@web_session_only(gettext_lazy("只能在网页上签到"))
def daily_checkin(*, actor: Actor) -> PointEntry:
    user = actor.require_user()
    today = timezone.localdate().isoformat()
    entry = award(user_id=user.pk, rule="daily_checkin", key=f"{user.pk}:{today}")
    if entry is None:
        raise Conflict(_("今天已经签到过了"))
    return entry

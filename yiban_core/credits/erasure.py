"""What a cancelled account leaves in points (yiban_core/privacy/closure.py): the ledger,
the balance and the window totals go, and the person leaves every people leaderboard, in
the database (boards are computed from these rows) and in Redis (boards.forget_person).
Run after every app that reverses points, so nothing is booked to them afterwards."""

from __future__ import annotations

from yiban_core.credits import boards
from yiban_core.credits.models import PointBalance, PointEntry, PointPeriodTotal
from yiban_core.privacy.registry import erasure


@erasure("credits")
def erase(user, keep_content: bool) -> None:
    entries = PointEntry.objects.filter(user=user)
    entries.exclude(reverses=None).update(reverses=None)  # a reversal protects its entry
    entries.delete()
    PointBalance.objects.filter(user=user).delete()
    PointPeriodTotal.objects.filter(user=user).delete()
    boards.forget_person(user.pk)

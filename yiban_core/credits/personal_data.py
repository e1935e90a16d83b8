"""A person's points (网薪): every ledger entry and the balance. The day/week/month totals
are sums of the ledger kept for the leaderboards: declared, not exported twice."""

from django.utils.translation import gettext_lazy as _

from yiban_core.credits.models import PointBalance, PointEntry, PointPeriodTotal
from yiban_core.credits.rules import RULES
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, rows


def export(user) -> dict:
    balance = PointBalance.objects.filter(user=user).values_list("total", flat=True).first()
    return {
        "balance": balance or 0,
        "ledger": rows(PointEntry.objects.filter(user=user).order_by("pk"), lambda entry: {
            "amount": entry.amount, "rule": entry.rule,
            "reason": str(RULES[entry.rule].label) if entry.rule in RULES else entry.rule,
            "at": iso(entry.created_at),
            "reverses": entry.reverses_id}),
    }


declare(Declaration(app="credits", title=_("网薪积分"),
                    models=[PointEntry, PointBalance, PointPeriodTotal], export=export))

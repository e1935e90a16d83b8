"""The audit log and a cancelled account (yiban_core/privacy/closure.py).

The log is append-only (yiban_core/audit/models.py: the model and, on PostgreSQL, a
trigger refuse UPDATE and DELETE): its entries are the record the Cybersecurity Law asks
a site to keep for at least six months, and they leave it only by the retention prune
(AUDIT_RETENTION_DAYS). So nothing is changed here: the entries that name the person
(their sign-ins, what they did) stay until the prune removes them, and the account they
point to is anonymised. The closure itself is logged as `account.closed` with the school
and no one's name."""

from __future__ import annotations

from yiban_core.privacy.registry import erasure


@erasure("audit")
def erase(user, keep_content: bool) -> None:
    return None

"""The security log of school sign-ins: every attempt, accepted or refused, with why.

One function: a line to the `yiban_core.sso` logger and an entry in the audit log
(yiban_core.audit), with the school whose log it belongs to.
"""

import logging

from yiban_core.accounts.models import User
from yiban_core.audit import services as audit
from yiban_core.errors import PermissionDenied

log = logging.getLogger("yiban_core.sso")


def log_attempt(*, school_id: int | None, kind: str, outcome: str, reason: str = "",
                subject: str = "", member_number: str = "", user_id: int | None = None,
                ip: str = "") -> None:
    """`outcome` is "success" or "refused"; `reason` a stable word for refusals
    (wrong_school, replayed, state_mismatch, invalid_response, member_number_taken,
    account_disabled, site_admin, disabled_provider, ...)."""
    log.log(logging.INFO if outcome == "success" else logging.WARNING,
            "sso %s school=%s kind=%s reason=%s subject=%r member_number=%r user=%s ip=%s",
            outcome, school_id, kind, reason or "-", subject, member_number, user_id, ip,
            extra={"sso": {"school_id": school_id, "kind": kind, "outcome": outcome,
                           "reason": reason, "subject": subject,
                           "member_number": member_number, "user_id": user_id, "ip": ip}})
    audit.record("sso.logout" if outcome == "logout" else "sso.login",
                 user=User.objects.filter(pk=user_id).first() if user_id else None,
                 school=school_id, ip=ip or None,
                 outcome="failure" if outcome == "refused" else "success",
                 detail={"kind": kind, "reason": reason, "subject": subject[:200],
                         "member_number": member_number[:64]})


class SignInRefused(PermissionDenied):
    """A school sign-in that must not go on; `reason` is what the security log records."""

    def __init__(self, reason: str, message: str):
        super().__init__(str(message))
        self.reason = reason

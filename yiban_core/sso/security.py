"""The security log of school sign-ins: every attempt, accepted or refused, with why.

One function so that the audit log can take these over in one place.
"""

import logging

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


class SignInRefused(PermissionDenied):
    """A school sign-in that must not go on; `reason` is what the security log records."""

    def __init__(self, reason: str, message: str):
        super().__init__(str(message))
        self.reason = reason

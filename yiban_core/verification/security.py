"""The security log of claims, activation codes and verification decisions.

One function, so that every attempt lands in one place: a wrong, used, expired or
another school's code, a second claim, codes issued, requests decided. It writes a
structured line to the `yiban.security` logger and an entry to the audit log
(yiban_core.audit). The pages record failures outside the transaction they refused, so a
rollback never loses them.
"""

from __future__ import annotations

import logging
from typing import Any

from yiban_core.audit import services as audit

logger = logging.getLogger("yiban.security")

SUCCESS, FAILURE, DENIED = "success", "failure", "denied"


def security_event(action: str, *, actor=None, user=None, target=None, school=None,
                   outcome: str = SUCCESS, detail: dict[str, Any] | None = None,
                   username: str = "") -> None:
    """One entry: `action` ("claim.failed", "activation_codes.issued", ...), who did it
    (`actor`, or `user`/`username` for someone not signed in), to what, in which school."""
    who = user or getattr(actor, "user", None)
    logger.info(
        "%s %s", action, outcome,
        extra={"security": {
            "action": action, "outcome": outcome,
            "user_id": getattr(who, "pk", None), "username": getattr(who, "username", username),
            "app_id": getattr(actor, "app_id", None),
            "target": f"{target._meta.label_lower}:{target.pk}" if target is not None else "",
            "school_id": getattr(school, "pk", school), "detail": detail or {},
        }})
    audit.record(action, by=actor, user=user, target=target, school=school, outcome=outcome,
                 detail=detail, username=username)

"""The rotating check-in code shown on the classroom screen.

Like TOTP (RFC 6238) with a 10 s step: code = HMAC-SHA256(the check-in's secret, the
step number) cut to 6 digits. The screen shows the current step's code; a student's
code is accepted for the current step and the previous one only (up to 20 s old, for
the time it takes to type it), so a photo of the screen sent to an absent classmate is
stale by the time it is of use.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

STEP_S = 10
DIGITS = 6


def new_secret() -> str:
    return secrets.token_hex(32)


def step_of(at: float | None = None) -> int:
    return int((time.time() if at is None else at) // STEP_S)


def code_for(secret: str, step: int) -> str:
    digest = hmac.new(bytes.fromhex(secret), step.to_bytes(8, "big"), hashlib.sha256).digest()
    offset = digest[-1] & 0x0F  # dynamic truncation, as HOTP does
    number = int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF
    return str(number % 10**DIGITS).zfill(DIGITS)


def current(secret: str, at: float | None = None) -> tuple[str, float]:
    """The code on the screen now, and the seconds until it changes."""
    now = time.time() if at is None else at
    step = step_of(now)
    return code_for(secret, step), (step + 1) * STEP_S - now


def accepts(secret: str, code: str, at: float | None = None) -> bool:
    step = step_of(at)
    return any(hmac.compare_digest(code_for(secret, s), code) for s in (step, step - 1))

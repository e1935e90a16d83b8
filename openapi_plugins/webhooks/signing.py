"""How a delivery is signed, and how a receiver checks it.

    X-Yiban-Timestamp: 1767225600                      (unix seconds)
    X-Yiban-Signature: sha256=<hex HMAC-SHA256 of "{timestamp}.{body}" with the secret>

The timestamp is inside what is signed, so a receiver that refuses old
timestamps (verify_signature does, after `tolerance_s`) refuses a replay, and
one that also remembers X-Yiban-Delivery ids refuses a replay within the window.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time

PREFIX = "sha256="


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def _bytes(value: str | bytes) -> bytes:
    return value if isinstance(value, bytes) else value.encode()


def sign(secret: str, timestamp: int | str, body: str | bytes) -> str:
    message = _bytes(str(timestamp)) + b"." + _bytes(body)
    return PREFIX + hmac.new(_bytes(secret), message, hashlib.sha256).hexdigest()


def verify_signature(secret: str, timestamp: int | str, body: str | bytes, signature: str,
                     tolerance_s: int = 300, *, now: float | None = None) -> bool:
    """True when `signature` is ours for this timestamp and body, and the timestamp is
    within `tolerance_s` of now (an old or future one is a replay or a wrong clock)."""
    try:
        sent_at = int(str(timestamp))
    except (TypeError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - sent_at) > tolerance_s:
        return False
    return hmac.compare_digest(sign(secret, sent_at, body), str(signature or ""))

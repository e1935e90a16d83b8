"""The one parser for ids a client sends: query strings, form fields, GraphQL global ids
and Int arguments, websocket frames.

An id is a positive integer that fits a signed 64-bit integer, the primary keys'
type (PostgreSQL bigint, SQLite INTEGER). Anything else (text, a bool, a float,
zero, a negative number, or a number past 2**63 - 1) names nothing: `parse_id`
returns None and the caller answers "not found" or "invalid", so such a value
never reaches the database, where it would raise (SQLite's OverflowError,
PostgreSQL's "out of range for type bigint").
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from yiban_core.errors import DomainError, NotFound

MAX_ID = 2**63 - 1
_MAX_DIGITS = len(str(MAX_ID))


def parse_id(value: Any) -> int | None:
    """The id in `value` (an int, or a string of ASCII digits), or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        digits = value.strip()
        # Checked before int(): a long enough string would make int() itself raise.
        if not (digits.isascii() and digits.isdigit()) or len(digits.lstrip("0")) > _MAX_DIGITS:
            return None
        number = int(digits)
    else:
        return None
    return number if 1 <= number <= MAX_ID else None


def require_id(value: Any, *, field: str, error: type[DomainError] = NotFound,
               message: str | None = None) -> int:
    """The id in `value`, or `error` (NotFound by default: such an id names nothing)."""
    number = parse_id(value)
    if number is None:
        raise error(message or _("编号不正确"), field=field)
    return number

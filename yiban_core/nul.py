"""NUL characters (U+0000) in what a client sends are refused, never stripped.

No text a person writes needs one, and PostgreSQL cannot store one in a text
column (nor compare a column with one: "A string literal cannot contain NUL"),
so a NUL that reached a query would be a 500. Refusing keeps what is stored exactly
what was sent. The edges that refuse:

- pages: frontend.middleware.RefuseNulMiddleware, for the path, the query string
  and form bodies (a 400 page, or JSON for JSON clients and /graphql);
- /graphql: its view, for `query`, `variables`, `operationName` and the string
  literals of the query (400, code INVALID);
- forms: Django's CharField already refuses NUL (ProhibitNullCharactersValidator).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

NUL = "\x00"


def contains_nul(value: Any) -> bool:
    """Whether a NUL hides anywhere in a string, or in the keys and values of JSON-like
    data (walked without recursion: a client chooses how deep its JSON nests)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if NUL in item:
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def nul_message() -> str:
    return _("请求中含有空字符（NUL），无法处理")

"""Characters no database can store are refused in what a client sends, never stripped.

- NUL (U+0000): no text a person writes needs one, and PostgreSQL cannot store one
  in a text column (nor compare a column with one: "A string literal cannot contain
  NUL");
- a lone surrogate (U+D800..U+DFFF): half of a UTF-16 pair, which JSON can escape
  ("\\ud800") but no UTF-8 text can hold, so SQLite and PostgreSQL both fail on it.

Either would be a 500 once it reached a query. Refusing keeps what is stored exactly
what was sent. The edges that refuse:

- pages: frontend.middleware.RefuseNulMiddleware, for the path, the query string
  and form bodies (a 400 page, or JSON for JSON clients and /graphql);
- /graphql: its view, for `query`, `variables`, `operationName` and the string
  literals of the query (400, code INVALID);
- forms: Django's CharField already refuses NUL (ProhibitNullCharactersValidator);
  form bodies and URLs are decoded from UTF-8 with replacement, so hold no surrogate.
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def contains_unstorable(value: Any) -> bool:
    """Whether a NUL or a lone surrogate hides anywhere in a string, or in the keys and
    values of JSON-like data (walked without recursion: a client chooses how deep its
    JSON nests)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if UNSTORABLE.search(item):
                return True
        elif isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False


def unstorable_message() -> str:
    return _("请求中含有空字符（NUL）或残缺的 Unicode 字符，无法处理")

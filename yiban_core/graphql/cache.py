"""A per-request memo for batched reads (e.g. the viewer's roles in a page of groups).

It lives on the request, so it never outlives one GraphQL operation; every
mutation clears it, so a payload never shows a value read before the change.
"""

from __future__ import annotations

from typing import Any

_ATTRIBUTE = "_graphql_memo"


def request_memo(info, name: str) -> dict[Any, Any]:
    memo = getattr(info.context, _ATTRIBUTE, None)
    if memo is None:
        memo = {}
        setattr(info.context, _ATTRIBUTE, memo)
    return memo.setdefault(name, {})


def clear_request_memo(info) -> None:
    if getattr(info.context, _ATTRIBUTE, None) is not None:
        setattr(info.context, _ATTRIBUTE, {})

"""Keyset pagination with opaque, signed cursors.

A page is read with `WHERE (ordering columns) after (the last row seen)`, never
with OFFSET, so page 500 costs what page 1 costs and rows inserted meanwhile
do not shift the pages. The selector owns the ordering (its queryset's
order_by, ending with the primary key); a cursor holds that row's values,
signed so a forged or mangled cursor is refused with a clear error.
"""

from datetime import datetime
from functools import cached_property, lru_cache
from typing import Any

from django.conf import settings
from django.core import signing
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from yiban_core.errors import Invalid

MAX_PAGE_SIZE = 100
_SALT = "yiban.cursor"


class Page:
    """A page of items and whether more follow. Its cursors are given, or made by
    `cursor_of` from the first and last item when first read: signing costs, and a
    caller that does not page on does not pay for it."""

    def __init__(self, items: list, end_cursor: str | None = None, has_next: bool = False,
                 start_cursor: str | None = None, *, cursor_of=None):
        self.items, self.has_next, self._cursor_of = items, has_next, cursor_of
        if cursor_of is None:
            self.end_cursor, self.start_cursor = end_cursor, start_cursor

    @cached_property
    def end_cursor(self) -> str | None:
        return self._cursor_of(self.items[-1]) if self.items else None

    @cached_property
    def start_cursor(self) -> str | None:
        return self._cursor_of(self.items[0]) if self.items else None


def _ordering(qs: QuerySet) -> list[tuple[str, bool]]:
    """[(field, descending)], ending with the primary key so every row has a unique key."""
    order = list(qs.query.order_by)
    if not order or order[-1].lstrip("-") not in ("pk", "id"):
        raise ValueError("a paginated queryset must be ordered, ending with pk")
    return [(name.lstrip("-"), name.startswith("-")) for name in order]


def _value_of(item: Any, field: str) -> Any:
    value = getattr(item, "pk" if field == "id" else field)
    if hasattr(value, "pk"):
        value = value.pk
    if isinstance(value, datetime):
        value = value.isoformat()
    return value


def _salt(qs: QuerySet, ordering: list[tuple[str, bool]]) -> str:
    # A cursor only opens the list it came from: a groups cursor on the
    # schools list would compare a count with a name.
    key = ",".join(("-" if desc else "") + field for field, desc in ordering)
    return f"{_SALT}:{qs.model._meta.label}:{key}"


@lru_cache(maxsize=64)
def _signer(salt: str, key: str, fallback_keys: tuple[str, ...]) -> signing.Signer:
    # A connection's page signs a cursor per edge: one Signer per salt and key.
    return signing.Signer(key=key, fallback_keys=fallback_keys, salt=salt)


def _cursor_signer(salt: str) -> signing.Signer:
    return _signer(salt, settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS))


def sign_cursor(values: list, salt: str) -> str:
    """A signed cursor, without a timestamp: the same position always gets the same
    cursor (an edge's cursor equals the page's endCursor whenever they are made)."""
    return _cursor_signer(salt).sign_object(values, compress=True)


def unsign_cursor(cursor: str, salt: str) -> list:
    """The values of a cursor; Invalid (field "after") when it is forged or malformed."""
    try:
        values = _cursor_signer(salt).unsign_object(cursor)
    except (signing.BadSignature, ValueError, TypeError):
        raise Invalid(_("分页游标无效"), field="after") from None
    if not isinstance(values, list):
        raise Invalid(_("分页游标无效"), field="after")
    return values


def encode_cursor(qs: QuerySet, item: Any) -> str:
    ordering = _ordering(qs)
    return sign_cursor([_value_of(item, f) for f, _desc in ordering], _salt(qs, ordering))


def decode_cursor(qs: QuerySet, cursor: str) -> list:
    ordering = _ordering(qs)
    values = unsign_cursor(cursor, _salt(qs, ordering))
    if len(values) != len(ordering):
        raise Invalid(_("分页游标无效"), field="after")
    return values


def _after(ordering: list[tuple[str, bool]], values: list) -> Q:
    """Rows strictly after `values` in the given ordering (row-value comparison, spelled out)."""
    condition = Q()
    for i, (field, descending) in enumerate(ordering):
        step = Q(**{f"{field}__{'lt' if descending else 'gt'}": values[i]})
        for j, (prior_field, _descending) in enumerate(ordering[:i]):
            step &= Q(**{prior_field: values[j]})
        condition |= step
    return condition


def clamp_page_size(first: int | None, default: int = 20) -> int:
    if first is None:
        return default
    if first < 1:
        raise Invalid(_("每页条数至少为 1"), field="first")
    return min(first, MAX_PAGE_SIZE)


def paginate(qs: QuerySet, *, first: int | None = None, after: str | None = None) -> Page:
    size = clamp_page_size(first)
    ordered = qs
    if after:
        qs = qs.filter(_after(_ordering(qs), decode_cursor(qs, after)))
    rows = list(qs[: size + 1])
    items = rows[:size]
    return Page(items=items, has_next=len(rows) > size,
                cursor_of=lambda item: encode_cursor(ordered, item))

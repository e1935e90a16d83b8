"""Relay connections on keyset pagination (yiban_core.pagination).

Cursors are the signed, opaque cursors of `paginate`, never offsets. Only
forward paging (`first`/`after`) is offered. `first` defaults to 20 and must be
between 1 and 100: asking for more is an INVALID error on the field `first`
rather than a silently shorter page, so a client notices its mistake at once.
A forged or mangled `after`, or a cursor of another list, is an INVALID error
on the field `after`.
"""

from __future__ import annotations

from typing import Any

import graphene
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from yiban_core.errors import Invalid
from yiban_core.graphql.scopes import Scope, scoped
from yiban_core.pagination import MAX_PAGE_SIZE, encode_cursor, paginate

DEFAULT_PAGE_SIZE = 20


def max_page_size() -> int:
    return min(getattr(settings, "GRAPHQL_MAX_PAGE_SIZE", MAX_PAGE_SIZE), MAX_PAGE_SIZE)


class Connection(graphene.relay.Connection):
    """A page of a list, read forwards with `first` and `after`."""

    class Meta:
        abstract = True


def connection_field(connection: type[Connection], description: str = "", *,
                     scope: Scope = "", **arguments: Any) -> graphene.Field:
    """A nullable field taking `first` and `after` (plus any filters); a root field
    declares its scope (yiban_core.graphql.scopes)."""
    field = graphene.Field(
        connection,
        description=description or None,
        first=graphene.Int(
            description=f"页大小，1 到 {max_page_size()}，默认 {DEFAULT_PAGE_SIZE}；"
            f"Page size, 1 to {max_page_size()} (default {DEFAULT_PAGE_SIZE})."
        ),
        after=graphene.String(description="上一页的 endCursor / the previous page's endCursor"),
        **arguments,
    )
    return scoped(scope, field) if scope else field


def resolve_connection(connection: type[Connection], qs: QuerySet, *, first: int | None = None,
                       after: str | None = None) -> Connection:
    """One page of `qs` (already filtered by a selector) as a Relay connection."""
    if first is not None and not 1 <= first <= max_page_size():
        raise Invalid(_("first 须在 1 到 %(max)d 之间") % {"max": max_page_size()}, field="first")
    page = paginate(qs, first=first or DEFAULT_PAGE_SIZE, after=after)
    edges = [connection.Edge(node=item, cursor=encode_cursor(qs, item)) for item in page.items]
    return connection(
        edges=edges,
        page_info=graphene.relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=False,  # forward paging only
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        ),
    )

"""Who sees which notifications, and how they are grouped.

Grouping is done when reading, as Mastodon does, not by merging rows when they
are written (Discourse's consolidation): every row stays (who liked, when, read
or not), an unlike or a deleted account needs no rewrite of a merged row, and
the grouping rule can change without a migration. Each row carries a
`group_key` set when it is stored (the post liked; ungrouped kinds use their own
event key); a list shows each group once, at the place of its newest row, so
the keyset cursor of that row pages groups exactly as it pages rows.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.utils.translation import gettext as _

from yiban_core import personal_cache
from yiban_core.actor import Actor
from yiban_core.errors import Invalid
from yiban_core.notifications.models import Notification
from yiban_core.notifications.targets import describe_all
from yiban_core.pagination import Page, clamp_page_size, sign_cursor, unsign_cursor

SAMPLE_ACTORS = 2  # names shown in a group's row: "张三、李四等 5 人"
_CURSOR_SALT = "yiban.cursor:notification-groups"


def notifications_for(*, actor: Actor) -> QuerySet[Notification]:
    actor.require_scope("notifications:read")
    user = actor.require_user()
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor", "group")
        .order_by("-created_at", "-pk")
    )


def notification_groups(*, actor: Actor, first: int | None = None,
                        after: str | None = None) -> Page:
    """A page of groups, newest first, each at the place of its newest notification: pass
    its items to `describe_groups`.

    The first page fixes which notifications the listing covers (those that exist now),
    and its cursors carry that bound: a like arriving while someone pages on would move
    its group to the top, out of the pages still to come, or show it twice. It appears
    at the top the next time the list is opened."""
    size = clamp_page_size(first)
    rows = notifications_for(actor=actor)
    if after:
        created_at, pk, until = _decode(after)
    else:
        created_at = pk = None
        until = rows.aggregate(newest=Max("pk"))["newest"] or 0
    newer = Notification.objects.filter(recipient=OuterRef("recipient"),
                                        group_key=OuterRef("group_key"),
                                        pk__gt=OuterRef("pk"), pk__lte=until)
    newest = rows.filter(pk__lte=until).exclude(Exists(newer))
    if after:
        newest = newest.filter(Q(created_at__lt=created_at) | Q(created_at=created_at, pk__lt=pk))
    found = list(newest[: size + 1])
    items = found[:size]
    for item in items:
        item.cursor = sign_cursor([item.created_at.isoformat(), item.pk, until], _CURSOR_SALT)
    return Page(items=items, has_next=len(found) > size, cursor_of=lambda item: item.cursor)


def _decode(cursor: str) -> tuple[datetime, int, int]:
    values = unsign_cursor(cursor, _CURSOR_SALT)
    try:
        created_at, pk, until = values
        created_at = datetime.fromisoformat(created_at)
    except (TypeError, ValueError):
        raise Invalid(_("分页游标无效"), field="after") from None
    if not isinstance(pk, int) or not isinstance(until, int):
        raise Invalid(_("分页游标无效"), field="after")
    return created_at, pk, until


def describe_groups(*, actor: Actor, notifications: list[Notification]) -> list[Notification]:
    """Give each newest row of a page what its group shows, in three queries whatever the
    page size: `group_count` (rows), `actor_count`, `actors` (the newest few, newest
    first), `group_unread` and `excerpts` (yiban_core.notifications.targets)."""
    if not notifications:
        return notifications
    user = actor.require_user()
    shown = Q(pk__in=[])
    for notification in notifications:  # each group as far as its row on the page
        shown |= Q(group_key=notification.group_key, pk__lte=notification.pk)
    in_groups = Notification.objects.filter(shown, recipient=user)
    totals = {row["group_key"]: row for row in in_groups.values("group_key").annotate(
        rows=Count("pk"), actors=Count("actor_id", distinct=True),
        unread=Count("pk", filter=Q(read_at__isnull=True)))}
    newest = (in_groups.exclude(actor__isnull=True).select_related("actor__profile")
              .annotate(rank=Window(RowNumber(), partition_by=[F("group_key")],
                                    order_by=[F("created_at").desc(), F("pk").desc()]))
              .filter(rank__lte=SAMPLE_ACTORS + 1))
    sample: dict[str, list] = {}
    for row in newest.order_by("group_key", "-created_at", "-pk"):
        people = sample.setdefault(row.group_key, [])
        if row.actor not in people and len(people) < SAMPLE_ACTORS:
            people.append(row.actor)
    excerpts = describe_all(actor, notifications)
    for notification in notifications:
        total = totals.get(notification.group_key, {"rows": 1, "actors": 0, "unread": 0})
        notification.group_count = total["rows"]
        notification.actor_count = total["actors"]
        notification.actors = sample.get(notification.group_key, [])
        notification.group_unread = total["unread"] > 0
        notification.excerpts = excerpts.get(notification.pk)
    return notifications


def unread_count(*, actor: Actor) -> int:
    if actor.user is None or not actor.has_scope("notifications:read"):
        return 0
    user = actor.user
    return personal_cache.read(user, "unread-notifications", lambda: Notification.objects.filter(
        recipient_id=user.pk, read_at__isnull=True).count())

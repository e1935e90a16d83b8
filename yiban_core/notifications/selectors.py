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

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Window
from django.db.models.functions import RowNumber

from yiban_core.actor import Actor
from yiban_core.notifications.models import Notification
from yiban_core.notifications.targets import describe_all

SAMPLE_ACTORS = 2  # names shown in a group's row: "张三、李四等 5 人"


def notifications_for(*, actor: Actor) -> QuerySet[Notification]:
    actor.require_scope("notifications:read")
    user = actor.require_user()
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor", "group")
        .order_by("-created_at", "-pk")
    )


def notification_groups(*, actor: Actor) -> QuerySet[Notification]:
    """The newest row of each group, newest first: paginate it, then `describe_groups`."""
    newer = Notification.objects.filter(
        recipient=OuterRef("recipient"), group_key=OuterRef("group_key"),
    ).filter(Q(created_at__gt=OuterRef("created_at"))
             | Q(created_at=OuterRef("created_at"), pk__gt=OuterRef("pk")))
    return notifications_for(actor=actor).exclude(Exists(newer))


def describe_groups(*, actor: Actor, notifications: list[Notification]) -> list[Notification]:
    """Give each newest row of a page what its group shows, in three queries whatever the
    page size: `group_count` (rows), `actor_count`, `actors` (the newest few, newest
    first), `group_unread` and `excerpts` (yiban_core.notifications.targets)."""
    if not notifications:
        return notifications
    user = actor.require_user()
    keys = {n.group_key for n in notifications}
    in_groups = Notification.objects.filter(recipient=user, group_key__in=keys)
    totals = {row["group_key"]: row for row in in_groups.values("group_key").annotate(
        rows=Count("pk"), actors=Count("actor_id", distinct=True),
        unread=Count("pk", filter=Q(read_at__isnull=True)))}
    newest = (in_groups.exclude(actor__isnull=True).select_related("actor")
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
    return Notification.objects.filter(recipient=actor.user, read_at__isnull=True).count()

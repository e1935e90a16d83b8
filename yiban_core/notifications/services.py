"""notify(): the one way a notification is caused.

It enqueues the delivery inside the caller's transaction (the outbox pattern):
if the change rolls back, no notification is sent; if it commits, a worker
delivers it even after a crash.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model, Q
from django.utils import timezone

from yiban_core import events
from yiban_core.actor import Actor
from yiban_core.notifications.models import Notification
from yiban_core.notifications.tasks import deliver_notifications


def notify(
    *, recipient_ids, kind: str, actor_id: int | None = None, group_id: int | None = None,
    event_key: str, target: Model | None = None, excerpt: str = "",
    detail_id: int | None = None, group_key: str = "",
) -> None:
    """Notify the recipients (never the actor). `group_key` joins notifications shown as
    one row ("张三等 5 人赞了你的动态"); `detail_id` names a part of the target (a comment of
    the post), whose text is read when shown. `excerpt` is for targets no app describes."""
    recipient_ids = sorted(set(recipient_ids) - {actor_id})
    if not recipient_ids:
        return
    deliver_notifications.enqueue(
        recipient_ids=recipient_ids, kind=kind, actor_id=actor_id, group_id=group_id,
        event_key=event_key,
        target_type_id=ContentType.objects.get_for_model(target).pk if target else None,
        target_id=target.pk if target else None,
        excerpt=excerpt[:140], detail_id=detail_id, group_key=group_key,
    )


def mark_all_read(*, actor: Actor) -> int:
    actor.require_scope("notifications:read")
    user = actor.require_user()
    return _mark(user, Q())


def mark_groups_read(*, actor: Actor, notifications) -> int:
    """Mark read what was shown: each shown row and the older rows of its group (a row
    that arrived since is left unread)."""
    actor.require_scope("notifications:read")
    user = actor.require_user()
    shown = Q(pk__in=[])
    for notification in notifications:
        if notification.recipient_id != user.pk:
            continue
        shown |= Q(group_key=notification.group_key, pk__lte=notification.pk)
    return _mark(user, shown)


def _mark(user, rows: Q) -> int:
    marked = Notification.objects.filter(rows, recipient=user, read_at__isnull=True).update(
        read_at=timezone.now())
    if marked:
        events.send(events.NotificationsRead(user_id=user.pk))
    return marked

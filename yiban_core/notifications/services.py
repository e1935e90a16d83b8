"""notify(): the one way a notification is caused.

It enqueues the delivery inside the caller's transaction (the outbox pattern):
if the change rolls back, no notification is sent; if it commits, a worker
delivers it even after a crash.
"""

from django.contrib.contenttypes.models import ContentType
from django.db.models import Model
from django.utils import timezone

from yiban_core.actor import Actor
from yiban_core.notifications.models import Notification
from yiban_core.notifications.tasks import deliver_notifications


def notify(
    *, recipient_ids, kind: str, actor_id: int | None = None, group_id: int | None = None,
    event_key: str, target: Model | None = None, excerpt: str = "",
) -> None:
    recipient_ids = sorted(set(recipient_ids) - {actor_id})
    if not recipient_ids:
        return
    deliver_notifications.enqueue(
        recipient_ids=recipient_ids, kind=kind, actor_id=actor_id, group_id=group_id,
        event_key=event_key,
        target_type_id=ContentType.objects.get_for_model(target).pk if target else None,
        target_id=target.pk if target else None,
        excerpt=excerpt[:140],
    )


def mark_all_read(*, actor: Actor) -> int:
    actor.require_scope("notifications:read")
    user = actor.require_user()
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )

from django_tasks import task

from yiban_core import events
from yiban_core.notifications.models import Notification

BATCH = 1000


@task()
def deliver_notifications(
    *, recipient_ids: list[int], kind: str, actor_id: int | None, group_id: int | None,
    event_key: str, target_type_id: int | None = None, target_id: int | None = None,
    excerpt: str = "", detail_id: int | None = None, group_key: str = "",
) -> int:
    """Store one notification per recipient. Idempotent: (recipient, event_key) is unique."""
    rows = [
        Notification(
            recipient_id=recipient_id, kind=kind, actor_id=actor_id, group_id=group_id,
            event_key=event_key, target_type_id=target_type_id, target_id=target_id,
            excerpt=excerpt, detail_id=detail_id, group_key=group_key or event_key,
        )
        for recipient_id in recipient_ids
        if recipient_id != actor_id
    ]
    created = Notification.objects.bulk_create(rows, ignore_conflicts=True, batch_size=BATCH)
    events.send(events.NotificationsStored(recipient_ids=tuple(r.recipient_id for r in rows),
                                           event_key=event_key))
    return len(created)

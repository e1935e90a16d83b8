from django_tasks import task

from yiban_core.notifications.models import Notification


@task()
def deliver_notifications(
    *, recipient_ids: list[int], kind: str, actor_id: int | None, group_id: int | None,
    event_key: str,
) -> int:
    """Store one notification per recipient. Idempotent: (recipient, event_key) is unique."""
    rows = [
        Notification(
            recipient_id=recipient_id, kind=kind, actor_id=actor_id, group_id=group_id,
            event_key=event_key,
        )
        for recipient_id in recipient_ids
        if recipient_id != actor_id
    ]
    return len(Notification.objects.bulk_create(rows, ignore_conflicts=True))

from django.db.models import QuerySet

from yiban_core.actor import Actor
from yiban_core.notifications.models import Notification


def notifications_for(*, actor: Actor) -> QuerySet[Notification]:
    actor.require_scope("notifications:read")
    user = actor.require_user()
    return (
        Notification.objects.filter(recipient=user)
        .select_related("actor", "group")
        .order_by("-created_at", "-pk")
    )


def unread_count(*, actor: Actor) -> int:
    if actor.user is None or not actor.has_scope("notifications:read"):
        return 0
    return Notification.objects.filter(recipient=actor.user, read_at__isnull=True).count()

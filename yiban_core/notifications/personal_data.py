"""The notifications a person received: what happened, who did it (display name), when,
whether read. The quoted excerpt is left out: it may quote another person's words."""

from django.utils.translation import gettext_lazy as _

from yiban_core.notifications.models import Notification
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, name_of, rows


def export(user) -> dict:
    received = (Notification.objects.filter(recipient=user).select_related("actor", "group")
                .order_by("pk"))
    return {"notifications": rows(received, lambda n: {
        "kind": n.get_kind_display(), "by": name_of(n.actor),
        "group": n.group.name if n.group_id else None,
        "created_at": iso(n.created_at), "read_at": iso(n.read_at)})}


declare(Declaration(app="notifications", title=_("通知"), models=[Notification],
                    export=export))

"""What a cancelled account leaves in webhooks (yiban_core/privacy/closure.py).

Subscriptions belong to apps: those of the person's own apps go with the apps (the
openapi_plugins erasure). What remains about them is in deliveries not yet sent: events
that name them (a membership that ended keeps their id and username) are abandoned
rather than sent after the erasure.
Deliveries already sent are the receiving app's copy; the log of them keeps no more than
what the app already holds, and is pruned with it."""

from __future__ import annotations

from openapi_plugins.webhooks.models import Delivery
from yiban_core.privacy.registry import erasure


def _names(value, user) -> bool:
    if isinstance(value, dict):
        if value.get("user_id") == user.pk or value.get("username") == user.username:
            return True
        return any(_names(v, user) for v in value.values())
    if isinstance(value, list):
        return any(_names(v, user) for v in value)
    return False


@erasure("webhooks")
def erase(user, keep_content: bool) -> None:
    pending = Delivery.objects.filter(status=Delivery.Status.PENDING).only(
        "pk", "object_ref", "payload")
    naming = [d.pk for d in pending.iterator() if _names(d.object_ref, user)
              or _names(d.payload, user)]
    Delivery.objects.filter(pk__in=naming).update(status=Delivery.Status.ABANDONED,
                                                  object_ref=None, payload={})

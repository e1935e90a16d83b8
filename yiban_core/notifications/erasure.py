"""What a cancelled account leaves in notifications (yiban_core/privacy/closure.py): every
notification for them goes, and so does every notification about them (that they liked,
followed, commented: "张三赞了你的动态" would otherwise name the person to others)."""

from __future__ import annotations

from yiban_core.notifications.models import Notification
from yiban_core.privacy.registry import erasure


@erasure("notifications")
def erase(user, keep_content: bool) -> None:
    Notification.objects.filter(recipient=user).delete()
    Notification.objects.filter(actor=user).delete()

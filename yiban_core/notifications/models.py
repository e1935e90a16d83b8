"""Notifications: stored first, delivered live second (realtime issue)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    class Kind(models.TextChoices):
        FOLLOWED = "followed", _("关注了你")
        JOIN_REQUESTED = "join_requested", _("申请加入群")
        JOIN_APPROVED = "join_approved", _("通过了你的入群申请")
        JOIN_REJECTED = "join_rejected", _("拒绝了你的入群申请")
        INVITED = "invited", _("邀请你加入群")
        REMOVED = "removed", _("将你移出了群")
        OWNERSHIP_TRANSFERRED = "ownership_transferred", _("把群主转让给了你")
        VERIFIED = "verified", _("认证了你的学校身份")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=30, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    group = models.ForeignKey(
        "groups.Group", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # Makes the task idempotent: the same event never notifies the same person twice.
    event_key = models.CharField(max_length=100)
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notify_once")
        ]
        indexes = [models.Index(fields=["recipient", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_kind_display()}"

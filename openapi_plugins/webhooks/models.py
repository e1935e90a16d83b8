"""Webhook subscriptions of school apps, and every delivery made to them.

A Subscription is an app's URL and the events it wants; its signing secret is
kept as is (not hashed): the worker needs it to sign, and it is no password,
only proof that a request came from us. A Delivery is one event sent to one
subscription, with its attempts logged; (subscription, event_id) is unique, so
a fan-out that runs twice delivers once.
"""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Subscription(models.Model):
    app = models.ForeignKey("openapi.AppProfile", on_delete=models.CASCADE,
                            related_name="webhook_subscriptions")
    url = models.URLField(_("接收地址"), max_length=500)
    events = models.JSONField(_("事件"), default=list)
    secret = models.CharField(_("签名密钥"), max_length=100)
    is_active = models.BooleanField(_("启用"), default=True)
    # Deliveries in a row that failed every attempt; a success resets it.
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Webhook 订阅")
        verbose_name_plural = _("Webhook 订阅")
        constraints = [
            models.UniqueConstraint(fields=["app", "url"], name="webhook_url_once_per_app"),
            models.CheckConstraint(
                condition=Q(url__startswith="https://") | Q(url__startswith="http://"),
                name="webhook_url_is_http",
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, disabled_at__isnull=True)
                | Q(is_active=False, disabled_at__isnull=False),
                name="webhook_disabled_has_a_time",
            ),
            models.CheckConstraint(condition=~Q(secret=""), name="webhook_has_a_secret"),
        ]

    def __str__(self) -> str:
        return f"{self.app} → {self.url}"


class Delivery(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("等待投递")
        SUCCEEDED = "succeeded", _("成功")
        FAILED = "failed", _("失败")  # every attempt failed
        ABANDONED = "abandoned", _("已放弃")  # no longer allowed: disabled, scope or object gone

    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE,
                                     related_name="deliveries")
    event = models.CharField(_("事件"), max_length=100)
    event_id = models.UUIDField(default=uuid.uuid4)
    # What the event was about (a pk, or a small dict), for the log; the payload was
    # rendered when it happened and every attempt sends it as is.
    object_ref = models.JSONField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    latency_ms = models.PositiveIntegerField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("Webhook 投递")
        verbose_name_plural = _("Webhook 投递")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event_id"],
                                    name="deliver_an_event_once"),
            models.CheckConstraint(
                condition=~Q(status="pending") | Q(next_attempt_at__isnull=False),
                name="pending_delivery_has_a_next_attempt",
            ),
        ]
        indexes = [models.Index(fields=["subscription", "-id"], name="delivery_newest")]

    def __str__(self) -> str:
        return f"{self.event} {self.event_id} → {self.subscription_id} ({self.status})"

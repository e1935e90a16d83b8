"""The points ledger: append-only rows, each with a reason and an idempotency key.

The balance is a running total kept beside the ledger in the same transaction
(reads of "my balance" and the all-time board need no SUM over millions of rows).
Reversing an award is a new negative row, never an update or a delete.
"""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class PointEntry(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="point_entries", verbose_name=_("用户"))
    amount = models.IntegerField(_("数额"))
    rule = models.CharField(_("规则"), max_length=40)
    # Same key, same award: the unique index makes paying twice impossible.
    idempotency_key = models.CharField(_("幂等键"), max_length=120, unique=True)
    # What earned it (a post, a resource ...), so deleting that content reverses it.
    source_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("来源类型"))
    source_id = models.PositiveBigIntegerField(_("来源 ID"), null=True, blank=True)
    source = GenericForeignKey("source_type", "source_id")
    reverses = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="reversed_by", verbose_name=_("冲正的流水"))
    created_at = models.DateTimeField(_("时间"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("网薪流水")
        verbose_name_plural = _("网薪流水")
        indexes = [
            models.Index(fields=["user", "-created_at"], name="ledger_user_recent"),
            models.Index(fields=["created_at", "user"], name="ledger_window"),
            models.Index(fields=["source_type", "source_id"], name="ledger_source"),
            models.Index(fields=["user", "rule", "created_at"], name="ledger_daily_cap"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.amount:+d} {self.rule}"


class PointBalance(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True,
                                on_delete=models.CASCADE, related_name="point_balance",
                                verbose_name=_("用户"))
    total = models.IntegerField(_("余额"), default=0)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("网薪余额")
        verbose_name_plural = _("网薪余额")
        indexes = [models.Index(fields=["-total", "user"], name="balance_rank")]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.total}"


class PointPeriodTotal(models.Model):
    """A user's net points in one day, week or month, kept beside the ledger like the
    balance: window boards read an index instead of summing the ledger."""

    class Period(models.TextChoices):
        DAY = "day"
        WEEK = "week"
        MONTH = "month"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+", verbose_name=_("用户"))
    period = models.CharField(_("周期"), max_length=5, choices=Period.choices)
    starts = models.DateField(_("起始日"))  # the first day of the period, in the site's time zone
    total = models.IntegerField(_("合计"), default=0)

    class Meta:
        verbose_name = _("网薪周期合计")
        verbose_name_plural = _("网薪周期合计")
        constraints = [
            models.UniqueConstraint(fields=["user", "period", "starts"],
                                    name="one_total_per_period")
        ]
        indexes = [models.Index(fields=["period", "starts", "-total", "user"],
                                name="period_rank")]

    def __str__(self) -> str:
        return f"{self.user_id} {self.period} {self.starts}: {self.total}"

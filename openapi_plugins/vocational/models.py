"""A practical-training or internship record (实训/实习记录) and its life.

A student logs a record (draft), submits it to a supervising teacher
(submitted), who signs it off (signed: final, part of the student's growth
record, 成长档案) or returns it with a comment (returned: the student fixes it
and submits again). Only draft and returned records can be edited; only drafts
deleted. The invariants of each status are database constraints.
"""

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiban_core.files.storage import protected_storage, random_name

# One record is one placement or workshop block; a full year of 顶岗实习 is ~2000 hours.
MAX_HOURS = Decimal("2000")


class TrainingRecord(models.Model):
    class Kind(models.TextChoices):
        TRAINING = "training", _("实训")
        INTERNSHIP = "internship", _("实习")

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        SUBMITTED = "submitted", _("待签字")
        SIGNED = "signed", _("已签字")
        RETURNED = "returned", _("已退回")

    EDITABLE = frozenset({Status.DRAFT, Status.RETURNED})

    # A teacher who supervised or signed records is deactivated, never deleted (PROTECT):
    # a signature stays attributable.
    student = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="training_records")
    # The school the student trained for, kept when the student later changes school.
    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE,
                               related_name="training_records")
    kind = models.CharField(_("类型"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=100)
    workplace = models.CharField(_("实习单位/实训车间"), max_length=100)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    hours = models.DecimalField(_("学时"), max_digits=6, decimal_places=1)
    tasks = models.TextField(_("完成的任务"), max_length=5000)
    reflection = models.TextField(_("心得体会"), max_length=5000, blank=True)
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="supervised_training_records", verbose_name=_("指导教师"),
    )
    status = models.CharField(_("状态"), max_length=12, choices=Status.choices,
                              default=Status.DRAFT)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
        related_name="signed_training_records", verbose_name=_("签字教师"),
    )
    signed_at = models.DateTimeField(_("签字时间"), null=True, blank=True)
    teacher_comment = models.TextField(_("教师评语"), max_length=2000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("实训/实习记录")
        verbose_name_plural = _("实训/实习记录")
        constraints = [
            models.CheckConstraint(condition=Q(hours__gt=0) & Q(hours__lte=MAX_HOURS),
                                   name="training_hours_positive_and_sane"),
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")),
                                   name="training_ends_after_it_starts"),
            models.CheckConstraint(
                condition=(Q(status="signed", signed_by__isnull=False, signed_at__isnull=False)
                           | (~Q(status="signed") & Q(signed_by__isnull=True,
                                                      signed_at__isnull=True))),
                name="training_signed_iff_signer_and_time",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "signed"]) | Q(supervisor__isnull=False),
                name="training_submitted_has_supervisor",
            ),
            models.CheckConstraint(condition=Q(status__in=["draft", "submitted", "signed",
                                                           "returned"]),
                                   name="training_status_known"),
        ]
        indexes = [
            models.Index(fields=["student", "-created_at"]),
            models.Index(fields=["supervisor", "status"]),
            models.Index(fields=["school", "status"]),
        ]

    def __str__(self) -> str:
        return f"{self.student} · {self.title}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


# Evidence a student adds to a record: a placement certificate, photos, a report.
MAX_ATTACHMENTS = 5
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


def attachment_path(attachment: "TrainingAttachment", filename: str) -> str:
    return random_name("training", filename)


class TrainingAttachment(models.Model):
    record = models.ForeignKey(TrainingRecord, on_delete=models.CASCADE,
                               related_name="attachments")
    # Served by /files/ only to those who may read the record (rules.can_read).
    file = models.FileField(upload_to=attachment_path, storage=protected_storage,
                            max_length=200, db_index=True)
    filename = models.CharField(_("文件名"), max_length=120)  # the safe name shown
    content_type = models.CharField(max_length=120)  # detected from the bytes
    size = models.PositiveIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("记录附件")
        verbose_name_plural = _("记录附件")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(size__lte=ATTACHMENT_MAX_BYTES),
                                   name="training_attachment_size_capped"),
        ]

    def __str__(self) -> str:
        return self.filename

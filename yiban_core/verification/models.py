"""Activation codes and verification requests. Invariants live in database constraints."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiban_core.files.storage import protected_storage, random_name


class ActivationCode(models.Model):
    """A one-time code that lets the person it was issued to claim their account (made by
    the school's roster, never signed in to). Only its SHA-256 is stored, as for tokens:
    the code itself is shown once, in the CSV or on the printed sheet."""

    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE,
                               related_name="activation_codes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="activation_codes")
    code_hash = models.CharField(max_length=64, unique=True)
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("有效期至"))
    used_at = models.DateTimeField(_("使用时间"), null=True, blank=True)
    # A newer code replaced it: the old slip no longer works.
    revoked_at = models.DateTimeField(_("作废时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("激活码")
        verbose_name_plural = _("激活码")
        constraints = [
            # One code that still works per person: issuing again revokes the old one.
            models.UniqueConstraint(fields=["user"],
                                    condition=Q(used_at__isnull=True, revoked_at__isnull=True),
                                    name="one_open_activation_code_per_user"),
        ]
        indexes = [models.Index(fields=["school", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.school} · {self.user_id}"


def request_photo_path(request: "VerificationRequest", filename: str) -> str:
    return random_name("verification", filename)


class VerificationRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("未通过")
        CANCELLED = "cancelled", _("已撤回")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="verification_requests")
    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE,
                               related_name="verification_requests")
    member_number = models.CharField(_("学号/工号"), max_length=32)
    note = models.CharField(_("说明"), max_length=280, blank=True)
    # The student card: served by /files/ to the student and the school's administrators.
    photo = models.ImageField(_("学生证照片"), upload_to=request_photo_path,
                              storage=protected_storage, max_length=200, blank=True,
                              db_index=True)
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.PENDING)
    reason = models.CharField(_("未通过的原因"), max_length=280, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("认证申请")
        verbose_name_plural = _("认证申请")
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(status="pending"),
                                    name="one_open_verification_request_per_user"),
            models.CheckConstraint(condition=~Q(status="rejected") | ~Q(reason=""),
                                   name="rejected_request_has_reason"),
        ]
        indexes = [models.Index(fields=["school", "status", "created_at"])]

    def __str__(self) -> str:
        return f"{self.user} → {self.school} ({self.member_number})"

"""What the privacy features keep: published policies and what each person agreed to,
the log of who read a person's real name or 学号 and of their sign-ins, data exports, and
account cancellations."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings

from yiban_core.files.storage import protected_storage, random_name


class PolicyVersion(models.Model):
    """A published version of the terms or the privacy policy. A version that asks for
    consent again sends everyone to agree to it on their next page view."""

    class Kind(models.TextChoices):
        TERMS = "terms", _("用户协议")
        PRIVACY = "privacy", _("隐私政策")

    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    version = models.CharField(_("版本"), max_length=20)
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))
    changes = models.TextField(_("本版变更"), blank=True)
    published_at = models.DateTimeField(_("发布时间"), default=timezone.now)
    requires_consent = models.BooleanField(_("需要重新同意"), default=True)

    class Meta:
        verbose_name = _("协议与政策版本")
        verbose_name_plural = _("协议与政策版本")
        constraints = [models.UniqueConstraint(fields=["kind", "version"],
                                               name="one_policy_version")]
        indexes = [models.Index(fields=["kind", "-published_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.version}"


class Consent(models.Model):
    """One agreement by one person: to a policy version, to location at check-ins, or to
    one app reading their real name and 学号. Withdrawn is a time, never a deletion: the
    record of what was agreed stays."""

    class Purpose(models.TextChoices):
        TERMS = "terms", _("用户协议")
        PRIVACY = "privacy", _("隐私政策")
        LOCATION = "location", _("签到时使用位置")
        APP_REAL_NAME = "app_real_name", _("向应用提供实名和学号")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="consents")
    purpose = models.CharField(_("用途"), max_length=20, choices=Purpose.choices)
    version = models.CharField(_("版本"), max_length=20, blank=True)  # policies only
    application = models.ForeignKey(oauth2_settings.APPLICATION_MODEL, null=True, blank=True,
                                    on_delete=models.CASCADE, related_name="+")
    granted_at = models.DateTimeField(_("同意时间"), default=timezone.now)
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("同意记录")
        verbose_name_plural = _("同意记录")
        indexes = [models.Index(fields=["user", "purpose", "-granted_at"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(purpose="app_real_name", application__isnull=False)
                | (~Q(purpose="app_real_name") & Q(application__isnull=True)),
                name="app_consent_names_its_app"),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.purpose} {self.version}"


class AccessRecord(models.Model):
    """What a person reads in 访问记录: each read of their real name or 学号 by an app or a
    school administrator, each sign-in, and each refused attempt on their data (someone
    else's export link, an app without consent). Kept as long as the audit log."""

    class Kind(models.TextChoices):
        READ = "read", _("读取实名/学号")
        SIGN_IN = "sign_in", _("登录")
        REFUSED = "refused", _("被拒绝的访问")
        PRIVACY = "privacy", _("隐私操作")  # an export, a cancellation, a consent change

    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="access_records")
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    action = models.CharField(_("事项"), max_length=60)  # "read.member_number", "sign_in.sso"
    at = models.DateTimeField(_("时间"), default=timezone.now)
    by_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    by_app = models.ForeignKey(oauth2_settings.APPLICATION_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    by_name = models.CharField(_("访问者"), max_length=150, blank=True)  # kept as it was
    place = models.CharField(_("地点"), max_length=60, blank=True)  # city, or a /24 network
    device = models.CharField(_("设备"), max_length=80, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("访问记录")
        verbose_name_plural = _("访问记录")
        indexes = [models.Index(fields=["person", "-at"]), models.Index(fields=["at"])]

    def __str__(self) -> str:
        return f"{self.person_id} {self.action} {self.at:%Y-%m-%d %H:%M}"


def export_path(export: "DataExport", filename: str) -> str:
    return random_name("exports", filename)


class DataExport(models.Model):
    """A 下载我的数据 archive: built by a task, downloaded through a short-lived link by
    its owner alone, then removed."""

    class Status(models.TextChoices):
        PENDING = "pending", _("排队中")
        READY = "ready", _("可下载")
        FAILED = "failed", _("失败")
        EXPIRED = "expired", _("已过期")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="data_exports")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices,
                              default=Status.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    ready_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    file = models.FileField(_("文件"), upload_to=export_path, blank=True, max_length=200,
                            storage=protected_storage)
    size = models.PositiveBigIntegerField(_("大小"), default=0)

    class Meta:
        verbose_name = _("数据导出")
        verbose_name_plural = _("数据导出")
        indexes = [models.Index(fields=["user", "-requested_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status} {self.requested_at:%Y-%m-%d}"


class AccountClosure(models.Model):
    """An account's cancellation (注销): asked for, then carried out after the grace period
    unless its owner signs in and undoes it. The row outlives the erasure (with the user
    key kept, the person's data gone) so that a later roster import does not bring the
    person back."""

    class Content(models.TextChoices):
        DELETE = "delete", _("删除我发布的内容")
        KEEP = "keep", _("保留内容，显示为“已注销用户”")

    class Status(models.TextChoices):
        PENDING = "pending", _("冷静期中")
        UNDONE = "undone", _("已撤销")
        ERASED = "erased", _("已注销")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="closures")
    content = models.CharField(_("已发布的内容"), max_length=10, choices=Content.choices)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    requested_at = models.DateTimeField(_("申请时间"), default=timezone.now)
    erase_after = models.DateTimeField(_("注销时间"))
    ended_at = models.DateTimeField(_("撤销或注销的时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("账号注销")
        verbose_name_plural = _("账号注销")
        constraints = [models.UniqueConstraint(fields=["user"], condition=Q(status="pending"),
                                               name="one_pending_closure")]
        indexes = [models.Index(fields=["status", "erase_after"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.status}"

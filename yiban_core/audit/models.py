"""The audit log (审计日志): who did what to what, when, from where, and how it ended.

Append-only. Rows are never changed: the model refuses save() of a stored row, delete()
and a queryset's update() or delete(); on PostgreSQL a trigger (migration 0002) refuses
UPDATE and DELETE too, except the retention prune (services.prune), which names its
cutoff in a transaction-local setting the trigger reads.

The people, the app and the school are references without a database constraint: a
deleted account must neither take its history with it nor rewrite the log (SET NULL would
be an UPDATE), and the username and target text are kept as they were at the time.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings


class AppendOnly(Exception):
    """Raised on an attempt to change or delete audit rows through the ORM."""


class Outcome(models.TextChoices):
    SUCCESS = "success", _("成功")
    FAILURE = "failure", _("失败")
    DENIED = "denied", _("拒绝")


# The action codes recorded, and what each says to a reader (the admin's filter, the CSV).
ACTIONS = {
    "login.succeeded": _("登录成功"),
    "login.failed": _("登录失败"),
    "login.locked_out": _("登录被锁定"),
    "token.issued": _("签发令牌"),
    "token.revoked": _("撤销令牌"),
    "admin.add": _("管理后台：新增"),
    "admin.change": _("管理后台：修改"),
    "admin.delete": _("管理后台：删除"),
    "school.install": _("安装学校应用"),
    "school.uninstall": _("卸载学校应用"),
    "roster.import": _("同步/导入名单"),
    "group.role_changed": _("群成员身份变更"),
    "checkin.attendance_marked": _("手动修改考勤"),
    "account.verified": _("认证学校成员"),
    "words.imported": _("导入敏感词"),
    "moderation.decided": _("审核处理"),
    "moderation.appeal_decided": _("申诉处理"),
    "sso.login": _("统一身份认证登录"),
    "sso.logout": _("统一身份认证单点退出"),
    "account.claimed": _("激活导入的账号"),
    "account.claim_failed": _("激活账号失败"),
    "activation_codes.issued": _("发放激活码"),
    "verification.requested": _("申请学校认证"),
    "verification.approved": _("通过认证申请"),
    "verification.rejected": _("驳回认证申请"),
    "verification.decide_denied": _("无权处理认证申请"),
    "verification.decide_failed": _("处理认证申请失败"),
    "account.closed": _("注销账号（不记录是谁）"),
    "privacy.minor_marked": _("标记/取消标记未成年人"),
}


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise AppendOnly("audit entries are never changed")

    def delete(self):
        raise AppendOnly("audit entries are removed only by the retention prune")


def _reference(to, verbose_name):
    return models.ForeignKey(to, null=True, blank=True, on_delete=models.DO_NOTHING,
                             db_constraint=False, related_name="+", verbose_name=verbose_name)


class AuditEntry(models.Model):
    at = models.DateTimeField(_("时间"), default=timezone.now, editable=False)
    actor = _reference(settings.AUTH_USER_MODEL, _("操作人"))
    actor_username = models.CharField(_("操作人用户名"), max_length=150, blank=True)
    app = _reference(oauth2_settings.APPLICATION_MODEL, _("应用"))
    action = models.CharField(_("操作"), max_length=50)
    target_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    target_id = models.CharField(_("对象 ID"), max_length=64, blank=True)
    target_text = models.CharField(_("对象"), max_length=200, blank=True)
    school = _reference("accounts.School", _("学校"))
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)
    outcome = models.CharField(_("结果"), max_length=10, choices=Outcome.choices,
                               default=Outcome.SUCCESS)
    detail = models.JSONField(_("详情"), default=dict, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]
        indexes = [
            models.Index(fields=["at"], name="audit_at"),
            models.Index(fields=["school", "at"], name="audit_school_at"),
            models.Index(fields=["actor", "at"], name="audit_actor_at"),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(outcome__in=Outcome.values),
                                   name="audit_known_outcome"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.actor_username}"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise AppendOnly("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise AppendOnly("audit entries are removed only by the retention prune")

    @property
    def action_text(self) -> str:
        return str(ACTIONS.get(self.action, self.action))

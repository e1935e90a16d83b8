"""Sensitive words (敏感词): a site list (school NULL) and one list per school.

`normalised` is the word as the matcher sees it (yiban_core/moderation/normalise.py) and
`pinyin` its toneless pinyin when the word is Chinese: both derived from `word` by the
services, and unique per list, so `代考`, `代 考` and `代考` in full width are one entry.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WORD_MAX_LENGTH = 50


class Action(models.TextChoices):
    # Ordered from the mildest to the worst: the worst action of a text's matches wins.
    REPLACE = "replace", _("替换为 *")
    FLAG = "flag", _("发布并送审")
    REVIEW = "review", _("先审后发")
    BLOCK = "block", _("拒绝发布")


SEVERITY = {action: rank for rank, action in enumerate(Action.values)}


class SensitiveWord(models.Model):
    word = models.CharField(_("敏感词"), max_length=WORD_MAX_LENGTH)
    normalised = models.CharField(_("归一化形式"), max_length=WORD_MAX_LENGTH * 4, editable=False)
    pinyin = models.CharField(_("拼音"), max_length=WORD_MAX_LENGTH * 6, blank=True,
                              editable=False)
    action = models.CharField(_("处理方式"), max_length=10, choices=Action.choices,
                              default=Action.BLOCK)
    school = models.ForeignKey("accounts.School", null=True, blank=True,
                               on_delete=models.CASCADE, related_name="sensitive_words",
                               verbose_name=_("学校"),
                               help_text=_("留空为全站词表"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("添加人"))
    created_at = models.DateTimeField(_("添加时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("修改时间"), auto_now=True)  # the lists' fingerprint

    class Meta:
        ordering = ["school_id", "normalised"]
        verbose_name = _("敏感词")
        verbose_name_plural = _("敏感词")
        constraints = [
            models.UniqueConstraint(fields=["normalised"], condition=Q(school__isnull=True),
                                    name="sensitive_word_unique_on_site"),
            models.UniqueConstraint(fields=["school", "normalised"],
                                    condition=Q(school__isnull=False),
                                    name="sensitive_word_unique_in_school"),
            models.CheckConstraint(condition=Q(action__in=Action.values),
                                   name="sensitive_word_known_action"),
            models.CheckConstraint(condition=~Q(normalised=""),
                                   name="sensitive_word_not_empty"),
        ]

    def __str__(self) -> str:
        return self.word


# --- reports, cases and sanctions (issue 19 items 1-3) --------------------------------

class ContentState(models.TextChoices):
    """The `moderation` field of every hideable content model (feeds.Post, feeds.Comment,
    resources.Resource, resources.Rating). Anything but VISIBLE is seen only by its author
    and by moderators."""
    VISIBLE = "visible", _("可见")
    HELD = "held", _("审核中")
    REMOVED = "removed", _("已删除")


def moderation_field() -> models.CharField:
    """The field each hideable model declares as `moderation`."""
    return models.CharField(_("审核状态"), max_length=10, choices=ContentState.choices,
                            default=ContentState.VISIBLE, db_index=True)


class ReportReason(models.TextChoices):
    ILLEGAL = "illegal", _("违法违规")
    PORN = "porn", _("色情低俗")
    AD = "ad", _("广告/代考代写")
    ABUSE = "abuse", _("人身攻击/网络暴力")
    INFRINGEMENT = "infringement", _("侵权")
    FALSE_INFO = "false_info", _("虚假信息")
    OTHER = "other", _("其他")


class CaseOrigin(models.TextChoices):
    REPORTS = "reports", _("用户举报")
    WORD_REVIEW = "word_review", _("敏感词（先审后发）")
    WORD_FLAG = "word_flag", _("敏感词（发布并送审）")
    PREMODERATION = "premoderation", _("先审后发")


class CaseStatus(models.TextChoices):
    OPEN = "open", _("待处理")
    DECIDED = "decided", _("已处理")


class Decision(models.TextChoices):
    NONE = "", _("未处理")
    APPROVE = "approve", _("通过")
    DISMISS = "dismiss", _("驳回举报")
    REMOVE = "remove", _("删除内容")
    WARN = "warn", _("警告")
    MUTE = "mute", _("禁言")
    SUSPEND = "suspend", _("封禁账号")
    BAN = "ban", _("移出群组")


EXCERPT_MAX_LENGTH = 200
REPORT_DETAIL_MAX_LENGTH = 500


class Case(models.Model):
    """One target under review (审核单): every open report on it is grouped here."""
    target_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.CASCADE,
                                    related_name="+", verbose_name=_("对象类型"))
    target_id = models.PositiveBigIntegerField(_("对象编号"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="moderation_cases",
                               verbose_name=_("作者"))
    group = models.ForeignKey("groups.Group", null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="moderation_cases", verbose_name=_("群组"))
    school = models.ForeignKey("accounts.School", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="moderation_cases",
                               verbose_name=_("学校"))
    origin = models.CharField(_("来源"), max_length=20, choices=CaseOrigin.choices,
                              default=CaseOrigin.REPORTS)
    status = models.CharField(_("状态"), max_length=10, choices=CaseStatus.choices,
                              default=CaseStatus.OPEN)
    report_count = models.PositiveIntegerField(_("举报数"), default=0)
    excerpt = models.CharField(_("内容摘录"), max_length=EXCERPT_MAX_LENGTH, blank=True)
    decision = models.CharField(_("处理结果"), max_length=10, choices=Decision.choices,
                                default=Decision.NONE, blank=True)
    reason = models.TextField(_("处理理由"), max_length=1000, blank=True)
    mute_days = models.PositiveSmallIntegerField(_("禁言天数"), null=True, blank=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("处理人"))
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    appeal_text = models.TextField(_("申诉理由"), max_length=1000, blank=True)
    appealed_at = models.DateTimeField(_("申诉时间"), null=True, blank=True)
    # Who made the appealed decision: someone else decides the appeal.
    first_moderator = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                        on_delete=models.SET_NULL, related_name="+",
                                        verbose_name=_("原处理人"))
    appeal_decided = models.BooleanField(_("申诉已处理"), default=False)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    class Meta:
        verbose_name = _("审核单")
        verbose_name_plural = _("审核单")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["target_type", "target_id"],
                                    condition=Q(status="open"), name="one_open_case_per_target"),
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values),
                                   name="case_known_status"),
            models.CheckConstraint(condition=Q(decision__in=Decision.values),
                                   name="case_known_decision"),
        ]
        indexes = [
            models.Index(fields=["status", "-id"], name="case_status_newest"),
            models.Index(fields=["group", "status", "-id"], name="case_group_status"),
            models.Index(fields=["school", "status", "-id"], name="case_school_status"),
            models.Index(fields=["target_type", "target_id"], name="case_target"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.target_type_id}:{self.target_id} {self.status}"


class Report(models.Model):
    """One person's report (举报) of a target; the reported person never sees who."""
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="reports",
                             verbose_name=_("审核单"))
    reporter = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="moderation_reports", verbose_name=_("举报人"))
    reason = models.CharField(_("举报理由"), max_length=20, choices=ReportReason.choices)
    detail = models.TextField(_("补充说明"), max_length=REPORT_DETAIL_MAX_LENGTH, blank=True)
    created_at = models.DateTimeField(_("举报时间"), auto_now_add=True)
    outcome_notified_at = models.DateTimeField(_("结果通知时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("举报")
        verbose_name_plural = _("举报")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "reporter"], name="one_report_per_case"),
            models.CheckConstraint(condition=Q(reason__in=ReportReason.values),
                                   name="report_known_reason"),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.reason} (case {self.case_id})"


class SanctionKind(models.TextChoices):
    WARN = "warn", _("警告")
    MUTE = "mute", _("禁言")
    SUSPEND = "suspend", _("封禁账号")


class Sanction(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="sanctions", verbose_name=_("用户"))
    kind = models.CharField(_("类型"), max_length=10, choices=SanctionKind.choices)
    until = models.DateTimeField(_("截止时间"), null=True, blank=True,
                                 help_text=_("留空为无期限（封禁直到解除）"))
    case = models.ForeignKey(Case, null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="sanctions", verbose_name=_("审核单"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+",
                                   verbose_name=_("处理人"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("处罚")
        verbose_name_plural = _("处罚")
        ordering = ["-id"]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=SanctionKind.values),
                                   name="sanction_known_kind"),
        ]
        indexes = [models.Index(fields=["user", "kind", "lifted_at"], name="sanction_of_user")]

    def __str__(self) -> str:
        return f"{self.kind} {self.user_id}"

"""Notifications: stored first, delivered live second (realtime issue)."""

from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
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
        MENTIONED = "mentioned", _("提到了你")
        COMMENTED = "commented", _("评论了你的动态")
        REPLIED = "replied", _("回复了你的评论")
        LIKED_POST = "liked_post", _("赞了你的动态")
        LIKED_COMMENT = "liked_comment", _("赞了你的评论")
        REPOSTED = "reposted", _("转发了你的动态")
        ANNOUNCEMENT = "announcement", _("在群里发布了公告")
        # A manager reminded the members who had not read an announcement (feeds).
        ANNOUNCEMENT_REMINDER = "announcement_reminder", _("提醒你阅读群公告")
        RESOURCE_RATED = "resource_rated", _("评价了你的资源")
        # To an app's owner: its webhook kept failing (openapi_plugins.webhooks).
        WEBHOOK_DISABLED = "webhook_disabled", _("你的应用的一个 Webhook 订阅因连续投递失败已停用")
        # A moderator decided a case (yiban_core.moderation): to the content's author, who
        # is told the reason (kept in `excerpt`) and may appeal; the moderator is not named.
        CONTENT_APPROVED = "content_approved", _("你的内容已通过审核")
        CONTENT_REMOVED = "content_removed", _("你的内容因违反社区规范已被删除")
        WARNED = "warned", _("你因发布的内容收到一次警告")
        MUTED = "muted", _("你因发布的内容被禁言")
        SUSPENDED = "suspended", _("你的账号因违反社区规范已被停用")
        BANNED_FROM_GROUP = "banned_from_group", _("你因发布的内容被禁止参与群")
        APPEAL_UPHELD = "appeal_upheld", _("你的申诉已复核，维持原处理")
        APPEAL_GRANTED = "appeal_granted", _("你的申诉成立，原处理已撤销")
        # ... and to each reporter, without the author's sanction.
        REPORT_HANDLED = "report_handled", _("你的举报已处理")
        REPORT_NO_VIOLATION = "report_no_violation", _("你举报的内容经审核未违规")
        # To a student: the school turned down their verification request (the reason
        # is the excerpt). An approval is VERIFIED.
        VERIFICATION_REJECTED = "verification_rejected", _("未通过你的学校认证申请")
        # To its owner: a 下载我的数据 archive is ready (yiban_core.privacy), for 7 days.
        DATA_EXPORT_READY = "data_export_ready", _("你的数据导出已完成，可在隐私设置中下载")

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
    # What the notification is about (a post, a comment ...), for apps above the core.
    target_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.CASCADE,
                                    related_name="+")
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("target_type", "target_id")
    # A part of the target (a comment of the post), read by the app that registered the
    # target type (yiban_core.notifications.targets). Its text is read when shown, never stored.
    detail_id = models.PositiveBigIntegerField(null=True, blank=True)
    # Kept only for notifications about something no app describes (a webhook subscription).
    excerpt = models.CharField(max_length=140, blank=True)
    # Makes the task idempotent: the same event never notifies the same person twice.
    event_key = models.CharField(max_length=100)
    # Rows of one recipient with the same key are shown as one ("张三等 5 人赞了你的动态"):
    # grouped when read (selectors.notification_groups). Ungrouped kinds use the event key.
    group_key = models.CharField(max_length=100, default="")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("通知")
        verbose_name_plural = _("通知")
        constraints = [
            models.UniqueConstraint(fields=["recipient", "event_key"], name="notify_once")
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"]),
            models.Index(fields=["recipient", "group_key", "-created_at"],
                         name="notification_group_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.actor} {self.get_kind_display()}"

    def save(self, *args, **kwargs):
        self.group_key = self.group_key or self.event_key  # alone unless told otherwise
        super().save(*args, **kwargs)

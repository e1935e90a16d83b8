"""Groups: class groups (班级群), interest groups and a school's official group.

Roles are owner, admin and member. Exactly one owner per group, enforced by a
partial unique index. member_count is kept by the services in the same
transaction as the membership change, so listings need no COUNT per group.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _


class Group(models.Model):
    class Kind(models.TextChoices):
        CLASS = "class", _("班级群")
        INTEREST = "interest", _("兴趣群")
        SCHOOL = "school", _("学校官方群")

    class JoinPolicy(models.TextChoices):
        OPEN = "open", _("自由加入")
        APPROVAL = "approval", _("需审核")
        CODE = "code", _("凭班级码加入")
        CLOSED = "closed", _("仅限邀请")

    name = models.CharField(_("群名"), max_length=60)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    school = models.ForeignKey(
        "accounts.School", null=True, blank=True, on_delete=models.CASCADE, related_name="groups"
    )
    description = models.TextField(_("简介"), max_length=2000, blank=True)
    is_private = models.BooleanField(
        _("私密"), default=False, help_text=_("私密群的成员和内容只有成员能看到")
    )
    join_policy = models.CharField(
        _("加入方式"), max_length=20, choices=JoinPolicy.choices, default=JoinPolicy.OPEN
    )
    # A private interest group is closed to the school's apps unless its managers open it
    # (groups.rules.school_app_reads_q); other kinds are read by them regardless.
    school_apps_may_read = models.BooleanField(
        _("允许学校应用读取"), default=False,
        help_text=_("私密兴趣群的成员、动态和资源默认不对本校安装的学校应用开放"),
    )
    # 先审后发: True holds what members write here until a manager approves it, False
    # never, None follows the school's default (School.premoderate_default).
    premoderate = models.BooleanField(
        _("先审后发"), null=True, blank=True, default=None,
        help_text=_("留空则跟随学校的默认设置"),
    )
    join_code = models.CharField(_("班级码"), max_length=12, null=True, blank=True, unique=True)
    member_cap = models.PositiveIntegerField(_("人数上限"), null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owned_groups"
    )
    member_count = models.PositiveIntegerField(default=0)
    # Archived: read-only, kept for its members to read (a class the school dropped);
    # nobody joins or posts any more.
    archived_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("群组")
        verbose_name_plural = _("群组")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="interest") | Q(school__isnull=False),
                name="class_and_school_groups_belong_to_a_school",
            ),
            models.CheckConstraint(
                condition=~Q(kind="class") | Q(join_code__isnull=False),
                name="class_group_has_join_code",
            ),
            models.UniqueConstraint(
                fields=["school"], condition=Q(kind="school"), name="one_official_group_per_school"
            ),
            models.CheckConstraint(
                condition=Q(member_cap__isnull=True) | Q(member_cap__gte=1),
                name="member_cap_positive",
            ),
        ]
        indexes = [models.Index(fields=["kind", "-created_at"])]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    class Role(models.TextChoices):
        OWNER = "owner", _("群主")
        ADMIN = "admin", _("管理员")
        MEMBER = "member", _("成员")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.MEMBER)
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("群成员")
        verbose_name_plural = _("群成员")
        constraints = [
            models.UniqueConstraint(fields=["group", "user"], name="member_once"),
            models.UniqueConstraint(
                fields=["group"], condition=Q(role="owner"), name="one_owner_per_group"
            ),
        ]
        indexes = [models.Index(fields=["user", "group"])]

    def __str__(self) -> str:
        return f"{self.user} @ {self.group} ({self.role})"

    MANAGER_ROLES = frozenset({Role.OWNER, Role.ADMIN})

    @property
    def is_manager(self) -> bool:
        return self.role in self.MANAGER_ROLES


class JoinRequest(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已拒绝")
        CANCELLED = "cancelled", _("已撤回")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="join_requests")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="join_requests"
    )
    message = models.CharField(_("申请理由"), max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("入群申请")
        verbose_name_plural = _("入群申请")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"], condition=Q(status="pending"), name="one_pending_request"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.group} ({self.status})"

    def move_to(self, status: str) -> None:
        """The state machine: only a pending request moves, and only once (approved,
        rejected or cancelled). Call it on a row locked with select_for_update, so of two
        decisions at once the second sees the first and is refused."""
        from yiban_core.errors import Conflict

        if self.status != self.Status.PENDING:
            raise Conflict(gettext("这条申请已处理"))
        if status not in (self.Status.APPROVED, self.Status.REJECTED, self.Status.CANCELLED):
            raise ValueError(status)
        self.status = status


class Invitation(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("待接受")
        ACCEPTED = "accepted", _("已接受")
        DECLINED = "declined", _("已拒绝")

    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="invitations")
    invitee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="group_invitations"
    )
    inviter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("入群邀请")
        verbose_name_plural = _("入群邀请")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "invitee"],
                condition=Q(status="pending"),
                name="one_pending_invitation",
            )
        ]

    def __str__(self) -> str:
        return f"{self.inviter} 邀请 {self.invitee} → {self.group}"


class Ban(models.Model):
    group = models.ForeignKey(Group, on_delete=models.CASCADE, related_name="bans")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    banned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("封禁")
        verbose_name_plural = _("封禁")
        constraints = [models.UniqueConstraint(fields=["group", "user"], name="ban_once")]

    def __str__(self) -> str:
        return f"{self.user} 被禁于 {self.group}"

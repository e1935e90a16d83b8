"""Users, schools, profiles and follows.

A user belongs to at most one school. A school verifies a user by giving them a
member number (学号 for students, 工号 for staff) unique within the school: the
electronic student ID. Invariants live in database constraints.
"""

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class School(models.Model):
    class Kind(models.TextChoices):
        UNIVERSITY = "university", _("大学")
        VOCATIONAL = "vocational", _("职业院校")
        OTHER = "other", _("其他")

    name = models.CharField(_("名称"), max_length=100, unique=True)
    short_name = models.CharField(_("简称"), max_length=30, blank=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    city = models.CharField(_("城市"), max_length=50, blank=True)
    administrators = models.ManyToManyField(
        "accounts.User", related_name="administered_schools", blank=True
    )
    # 先审后发 for the school's groups that did not choose for themselves and for its
    # school-only posts (yiban_core/moderation/rules.py: held_for).
    premoderate_default = models.BooleanField(
        _("本校默认先审后发"), default=False,
        help_text=_("开启后，本校未单独设置的群组里的动态和评论、仅本校可见的动态及其评论，"
                    "须经审核后才对他人可见"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("学校")
        verbose_name_plural = _("学校")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    class Role(models.TextChoices):
        STUDENT = "student", _("学生")
        TEACHER = "teacher", _("教师")
        STAFF = "staff", _("学校职员")
        ADMIN = "admin", _("站点管理员")

    display_name = models.CharField(_("昵称"), max_length=40)
    role = models.CharField(_("身份"), max_length=20, choices=Role.choices, default=Role.STUDENT)
    school = models.ForeignKey(
        School, null=True, blank=True, on_delete=models.SET_NULL, related_name="members"
    )
    # 学号/工号, set only when the school has verified the user.
    # NULL, not "", for the unverified: the per-school unique index skips NULLs.
    member_number = models.CharField(  # noqa: DJ001
        _("学号/工号"), max_length=32, null=True, blank=True
    )
    verified_at = models.DateTimeField(_("认证时间"), null=True, blank=True)
    follower_count = models.PositiveIntegerField(default=0)
    following_count = models.PositiveIntegerField(default=0)

    objects = UserManager()

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")
        constraints = [
            models.UniqueConstraint(
                fields=["school", "member_number"],
                condition=Q(member_number__isnull=False),
                name="unique_member_number_per_school",
            ),
            models.CheckConstraint(
                condition=Q(verified_at__isnull=True)
                | Q(school__isnull=False, member_number__isnull=False),
                name="verified_user_has_school_and_number",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def save(self, *args, **kwargs):
        # A site admin is a Django superuser: the admin site is theirs.
        if self.is_superuser:
            self.role = self.Role.ADMIN
        if self.role == self.Role.ADMIN:
            self.is_staff = self.is_superuser = True
        super().save(*args, **kwargs)

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None

    @property
    def verified_school_id(self) -> int | None:
        """The school whose members-only posts and resources the user reads (and may
        write for): theirs once the school verified them. An unverified account picks
        its school freely, so that choice alone opens nothing."""
        return self.school_id if self.verified_at is not None else None

    @property
    def is_site_admin(self) -> bool:
        return self.is_superuser or self.role == self.Role.ADMIN


def avatar_path(profile: "Profile", filename: str) -> str:
    return f"avatars/{profile.user_id}/{filename}"


class Profile(models.Model):
    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="profile")
    avatar = models.ImageField(_("头像"), upload_to=avatar_path, blank=True)
    bio = models.CharField(_("个人简介"), max_length=280, blank=True)
    major = models.CharField(_("专业"), max_length=60, blank=True)
    enrolment_year = models.PositiveSmallIntegerField(_("入学年份"), null=True, blank=True)
    # The home page's welcome panel for a new account, closed by its owner for good
    # (on every device: kept here, not in a session).
    welcome_dismissed_at = models.DateTimeField(_("关闭新手引导的时间"), null=True, blank=True)
    # Minors mode (未成年人模式): on when the birth date says under 18, or when the school
    # marked the person a minor (yiban_core.accounts.rules.is_minor).
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    minor_by_school = models.BooleanField(_("学校标记为未成年人"), default=False)

    class Meta:
        verbose_name = _("个人资料")
        verbose_name_plural = _("个人资料")
        constraints = [
            models.CheckConstraint(
                condition=Q(enrolment_year__isnull=True)
                | Q(enrolment_year__gte=1950, enrolment_year__lte=2100),
                name="plausible_enrolment_year",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} 的资料"


class Follow(models.Model):
    follower = models.ForeignKey(User, on_delete=models.CASCADE, related_name="following_set")
    followee = models.ForeignKey(User, on_delete=models.CASCADE, related_name="follower_set")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("关注")
        verbose_name_plural = _("关注")
        constraints = [
            models.UniqueConstraint(fields=["follower", "followee"], name="follow_once"),
            models.CheckConstraint(condition=~Q(follower=F("followee")), name="no_self_follow"),
        ]
        indexes = [models.Index(fields=["followee", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.follower} → {self.followee}"


class IdempotentResponse(models.Model):
    """The first answer to a mutation sent with an Idempotency-Key, stored in the
    mutation's own transaction, so a retry gets it instead of doing the work twice
    (yiban_core/graphql/idempotency.py). Kept 24 hours."""

    actor = models.CharField(max_length=80)  # who sent it: a user, or an app for one
    key = models.CharField(max_length=200)
    operation = models.CharField(max_length=100, blank=True)
    request_hash = models.CharField(max_length=64)
    response = models.JSONField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["actor", "key"],
                                               name="one_response_per_idempotency_key")]

    def __str__(self) -> str:
        return f"{self.actor} {self.key}"


class Block(models.Model):
    """拉黑: `blocker` no longer sees `blocked`'s posts and comments, and the two no
    longer follow, mention, comment on, like or invite each other (accounts/rules.py)."""

    blocker = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocking_set")
    blocked = models.ForeignKey(User, on_delete=models.CASCADE, related_name="blocked_by_set")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("拉黑")
        verbose_name_plural = _("拉黑")
        constraints = [
            models.UniqueConstraint(fields=["blocker", "blocked"], name="block_once"),
            models.CheckConstraint(condition=~Q(blocker=F("blocked")), name="no_self_block"),
        ]
        indexes = [models.Index(fields=["blocked", "blocker"])]

    def __str__(self) -> str:
        return f"{self.blocker} ⊘ {self.blocked}"

"""Academic affairs: a school's terms, courses, sections and rosters, by the school's own ids.

External systems (教务系统, a OneRoster export) name their objects by their own
`sourced_id`, so every row here is unique per (school, sourced_id) and every
sync is an idempotent upsert. A Section is mirrored by a class group
(groups.Group, kind class); its Enrolments are mirrored by memberships.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from oauth2_provider.settings import oauth2_settings


class SourcedModel(models.Model):
    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE, related_name="+")
    sourced_id = models.CharField(_("外部 ID"), max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.sourced_id


class Term(SourcedModel):
    class Kind(models.TextChoices):
        SCHOOL_YEAR = "schoolYear", _("学年")
        SEMESTER = "semester", _("学期")
        TERM = "term", _("学段")
        GRADING_PERIOD = "gradingPeriod", _("评分周期")

    title = models.CharField(_("名称"), max_length=100)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices)
    start_date = models.DateField(_("开始日期"))
    end_date = models.DateField(_("结束日期"))
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="children")
    school_year = models.CharField(_("学年"), max_length=4, blank=True)

    class Meta:
        verbose_name = _("学期")
        verbose_name_plural = _("学期")
        constraints = [
            models.UniqueConstraint(fields=["school", "sourced_id"], name="term_sourced_once"),
            models.CheckConstraint(condition=models.Q(end_date__gte=models.F("start_date")),
                                   name="term_ends_after_start"),
        ]


class CourseRecord(SourcedModel):
    """A course of the school's catalogue; linked to resources.Course by its code."""

    code = models.CharField(_("课程代码"), max_length=30, blank=True)
    title = models.CharField(_("课程名称"), max_length=100)
    course = models.ForeignKey("resources.Course", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("课程（教务）")
        verbose_name_plural = _("课程（教务）")
        constraints = [
            models.UniqueConstraint(fields=["school", "sourced_id"], name="course_sourced_once"),
        ]


class Section(SourcedModel):
    """A class (教学班) of a course in some terms; its students meet in a class group."""

    course = models.ForeignKey(CourseRecord, on_delete=models.PROTECT, related_name="sections")
    terms = models.ManyToManyField(Term, blank=True, related_name="sections")
    title = models.CharField(_("名称"), max_length=100)
    class_code = models.CharField(_("班级代码"), max_length=100, blank=True)
    # Created with the section's first teacher: a group needs an owner.
    class_group = models.OneToOneField("groups.Group", null=True, blank=True,
                                       on_delete=models.SET_NULL, related_name="section")

    class Meta:
        verbose_name = _("教学班")
        verbose_name_plural = _("教学班")
        constraints = [
            models.UniqueConstraint(fields=["school", "sourced_id"], name="section_sourced_once"),
        ]


class SourcedUser(SourcedModel):
    """The school's id of a person, mapped to their account here."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="sourced_ids")
    role = models.CharField(_("身份"), max_length=20)
    created_user = models.BooleanField(default=False)  # the account was made by a sync
    # The roster suspended the account (enabledUser=false): only the roster lifts it.
    suspended = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("外部用户")
        verbose_name_plural = _("外部用户")
        constraints = [
            models.UniqueConstraint(fields=["school", "sourced_id"], name="user_sourced_once"),
            models.UniqueConstraint(fields=["school", "user"], name="user_mapped_once"),
        ]


class Enrolment(SourcedModel):
    class Role(models.TextChoices):
        STUDENT = "student", _("学生")
        TEACHER = "teacher", _("教师")

    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="enrolments")
    sourced_user = models.ForeignKey(SourcedUser, on_delete=models.CASCADE,
                                     related_name="enrolments")
    role = models.CharField(_("身份"), max_length=10, choices=Role.choices)
    primary = models.BooleanField(_("主讲"), default=False)

    class Meta:
        verbose_name = _("选课")
        verbose_name_plural = _("选课")
        constraints = [
            models.UniqueConstraint(fields=["school", "sourced_id"],
                                    name="enrolment_sourced_once"),
        ]
        indexes = [models.Index(fields=["section", "sourced_user"])]


class SyncRun(models.Model):
    class Source(models.TextChoices):
        GRAPHQL = "graphql", "GraphQL"
        ONEROSTER = "oneroster", "OneRoster"

    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE,
                               related_name="+")
    kind = models.CharField(_("内容"), max_length=20)  # terms, courses, ..., oneroster
    source = models.CharField(_("来源"), max_length=20, choices=Source.choices)
    app = models.ForeignKey(oauth2_settings.APPLICATION_MODEL, null=True, blank=True,
                            on_delete=models.SET_NULL, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    removed = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.JSONField(default=list)  # [{file?, line?, index, sourcedId, reason}]
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("同步记录")
        verbose_name_plural = _("同步记录")
        indexes = [models.Index(fields=["school", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.started_at:%Y-%m-%d %H:%M}"

    def summary(self) -> dict:
        return {
            "id": self.pk, "schoolId": self.school_id, "kind": self.kind, "source": self.source,
            "created": self.created, "updated": self.updated, "removed": self.removed,
            "unchanged": self.unchanged, "rejected": len(self.rejected),
            "finishedAt": self.finished_at.isoformat() if self.finished_at else None,
        }


class ImportRun(models.Model):
    """A OneRoster file a school administrator uploaded: previewed first (its plan, the
    dry run's report), then applied or cancelled. Applying applies exactly the plan: when
    the data changed since, the import is planned again and waits for a new confirmation."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待确认")
        APPLIED = "applied", _("已导入")
        CANCELLED = "cancelled", _("已取消")

    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices,
                              default=Status.PENDING)
    filename = models.CharField(_("文件名"), max_length=255, blank=True)
    org_sourced_id = models.CharField(_("本校的 sourcedId"), max_length=255)
    # The upload itself, kept while pending so that apply reads the same file; emptied after.
    data = models.BinaryField(default=b"")
    plan = models.JSONField(default=dict)  # SyncReport.plan() of the preview (or the apply)
    replanned = models.BooleanField(default=False)  # the data changed since the last preview
    sync_run = models.OneToOneField(SyncRun, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="import_run")
    created_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("名单导入")
        verbose_name_plural = _("名单导入")
        indexes = [models.Index(fields=["school", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.filename} {self.created_at:%Y-%m-%d %H:%M}"

"""Shared learning resources (the course supermarket, 课程超市), their versions,
files, downloads, ratings and reviews.

A file's bytes are a Blob, named by their SHA-256: the same file uploaded twice
is stored once. A resource keeps every version; `current` is the newest.
Rating aggregates (count, sum, Bayesian score) are kept by the services in the
transaction that changes a rating.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiban_core.files.storage import protected_storage, random_name
from yiban_core.moderation.models import moderation_field


class Subject(models.TextChoices):
    COMPUTING = "computing", _("计算机")
    MATHEMATICS = "mathematics", _("数学")
    PHYSICS = "physics", _("物理")
    CHEMISTRY = "chemistry", _("化学")
    BIOLOGY = "biology", _("生物")
    ENGINEERING = "engineering", _("工程技术")
    ECONOMICS = "economics", _("经济管理")
    LAW = "law", _("法学")
    LANGUAGES = "languages", _("外语")
    LITERATURE = "literature", _("文学")
    HISTORY = "history", _("历史")
    MEDICINE = "medicine", _("医学")
    ARTS = "arts", _("艺术设计")
    EDUCATION = "education", _("教育")
    POLITICS = "politics", _("思政")
    VOCATIONAL = "vocational", _("职业技能")
    EXAMS = "exams", _("考试考证")
    OTHER = "other", _("其他")


class Licence(models.TextChoices):
    CC_BY = "cc-by-4.0", "CC BY 4.0"
    CC_BY_SA = "cc-by-sa-4.0", "CC BY-SA 4.0"
    CC_BY_NC = "cc-by-nc-4.0", "CC BY-NC 4.0"
    CC_BY_NC_SA = "cc-by-nc-sa-4.0", "CC BY-NC-SA 4.0"
    CC0 = "cc0-1.0", "CC0 1.0"
    ALL_RIGHTS = "all-rights-reserved", _("保留所有权利")


class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    SCHOOL = "school", _("本校可见")
    GROUP = "group", _("群内可见")


class Course(models.Model):
    school = models.ForeignKey("accounts.School", on_delete=models.CASCADE,
                               related_name="courses")
    code = models.CharField(_("课程代码"), max_length=30)
    name = models.CharField(_("课程名称"), max_length=100)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("课程")
        verbose_name_plural = _("课程")
        constraints = [
            models.UniqueConstraint(fields=["school", "code"], name="course_code_per_school")
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"


class Tag(models.Model):
    name = models.CharField(max_length=30, unique=True)

    def __str__(self) -> str:
        return self.name


def blob_path(blob: "Blob", filename: str) -> str:
    # Not the SHA-256: a name derived from the bytes lets anyone holding a file probe for it.
    return random_name("blobs")


class Blob(models.Model):
    sha256 = models.CharField(max_length=64, unique=True)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)  # detected from the bytes
    # Sent only by the resource download view, after the resource's selector said yes.
    file = models.FileField(upload_to=blob_path, storage=protected_storage, max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.sha256[:12]} ({self.content_type}, {self.size} B)"


class Resource(models.Model):
    class Kind(models.TextChoices):
        FILE = "file", _("文件")
        LINK = "link", _("链接")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="resources")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=120)
    description = models.TextField(_("简介"), max_length=5000, blank=True)
    url = models.URLField(_("链接"), max_length=500, blank=True)
    subject = models.CharField(_("学科"), max_length=20, choices=Subject.choices)
    tags = models.ManyToManyField(Tag, blank=True, related_name="resources")
    course = models.ForeignKey(Course, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="resources")
    licence = models.CharField(_("许可协议"), max_length=30, choices=Licence.choices,
                               default=Licence.CC_BY)
    visibility = models.CharField(_("可见范围"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    group = models.ForeignKey("groups.Group", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="resources")
    school = models.ForeignKey("accounts.School", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    current = models.ForeignKey("ResourceVersion", null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+")
    download_count = models.PositiveIntegerField(default=0)
    rating_count = models.PositiveIntegerField(default=0)
    rating_sum = models.PositiveIntegerField(default=0)
    bayesian_score = models.FloatField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    moderation = moderation_field()  # ContentState: anything but visible only to its owner

    class Meta:
        verbose_name = _("学习资源")
        verbose_name_plural = _("学习资源")
        constraints = [
            models.CheckConstraint(
                condition=(Q(visibility="group") & Q(group__isnull=False))
                | (~Q(visibility="group") & Q(group__isnull=True)),
                name="group_resources_have_a_group",
            ),
            models.CheckConstraint(
                condition=(Q(kind="link") & ~Q(url="")) | Q(kind="file"),
                name="links_have_a_url",
            ),
        ]
        indexes = [
            models.Index(fields=["visibility", "-id"], name="resource_newest"),
            models.Index(fields=["subject", "-id"], name="resource_subject"),
            models.Index(fields=["course", "-id"], name="resource_course"),
            models.Index(fields=["-bayesian_score", "id"], name="resource_best"),
            models.Index(fields=["-download_count", "id"], name="resource_popular"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def rating_average(self) -> float | None:
        return round(self.rating_sum / self.rating_count, 2) if self.rating_count else None


class ResourceVersion(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    blob = models.ForeignKey(Blob, null=True, blank=True, on_delete=models.PROTECT,
                             related_name="versions")
    filename = models.CharField(max_length=150, blank=True)  # safe name for downloads
    url = models.URLField(max_length=500, blank=True)
    note = models.CharField(_("更新说明"), max_length=200, blank=True)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        constraints = [
            models.UniqueConstraint(fields=["resource", "number"], name="version_number_once")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} v{self.number}"


class Download(models.Model):
    """One row per user per resource per day: how downloads are counted."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="downloads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    day = models.DateField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "user", "day"], name="download_once_a_day")
        ]
        indexes = [models.Index(fields=["created_at", "resource"], name="download_window")]

    def __str__(self) -> str:
        return f"{self.user_id} ↓ {self.resource_id} {self.day}"


class Rating(models.Model):
    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="resource_ratings")
    stars = models.PositiveSmallIntegerField()
    review = models.TextField(max_length=2000, blank=True)
    helpful_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    moderation = moderation_field()  # the review's state, as Resource.moderation

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "user"], name="rate_once"),
            models.CheckConstraint(condition=Q(stars__gte=1, stars__lte=5),
                                   name="one_to_five_stars"),
        ]
        indexes = [models.Index(fields=["resource", "-helpful_count", "-id"],
                                name="review_helpful")]

    def __str__(self) -> str:
        return f"{self.user_id} ★{self.stars} {self.resource_id}"


class ReviewHelpful(models.Model):
    rating = models.ForeignKey(Rating, on_delete=models.CASCADE, related_name="helpful_votes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["rating", "user"], name="helpful_once")]

    def __str__(self) -> str:
        return f"{self.user_id} 👍 {self.rating_id}"


class ResourceShare(models.Model):
    """A resource shared into a group or a post."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="shares")
    post = models.OneToOneField("feeds.Post", on_delete=models.CASCADE,
                                related_name="resource_share")
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                  related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.resource_id} → post {self.post_id}"

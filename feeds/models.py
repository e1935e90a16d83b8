"""Posts, comments, likes, reposts, topics and mentions.

Timelines are ordered by the post's id, newest first: ids only grow, so the id
is both the order and the cursor, and the Redis timelines (scored by id) and
the database agree row for row. Counters are kept by the services in the same
transaction as the rows they count.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from yiban_core.files.storage import protected_storage, random_name
from yiban_core.moderation.models import moderation_field

POST_MAX_LENGTH = 2000
COMMENT_MAX_LENGTH = 500
MAX_IMAGES = 9


class Visibility(models.TextChoices):
    PUBLIC = "public", _("公开")
    SCHOOL = "school", _("本校可见")
    FOLLOWERS = "followers", _("粉丝可见")
    GROUP = "group", _("群内可见")


class Post(models.Model):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="posts", verbose_name=_("作者"))
    text = models.TextField(_("正文"), max_length=POST_MAX_LENGTH, blank=True)
    visibility = models.CharField(_("可见范围"), max_length=10, choices=Visibility.choices,
                                  default=Visibility.PUBLIC)
    group = models.ForeignKey("groups.Group", null=True, blank=True, on_delete=models.CASCADE,
                              related_name="posts", verbose_name=_("群组"))
    # The author's school when posted: "school" visibility means that school.
    school = models.ForeignKey("accounts.School", null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+", verbose_name=_("学校"))
    repost_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="reposts", verbose_name=_("转发自"))
    # Stays true when the original is deleted: "the original was deleted" is shown.
    is_repost = models.BooleanField(_("是转发"), default=False)
    pinned_at = models.DateTimeField(_("置顶为公告的时间"), null=True, blank=True)
    like_count = models.PositiveIntegerField(_("点赞数"), default=0)
    comment_count = models.PositiveIntegerField(_("评论数"), default=0)
    repost_count = models.PositiveIntegerField(_("转发数"), default=0)
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    edited_at = models.DateTimeField(_("编辑时间"), null=True, blank=True)
    # The @words of the text linked to whom they mean: {"李月婷": "<username>"} (feeds/mentions.py)
    mention_links = models.JSONField(_("提及的人"), default=dict, blank=True)
    moderation = moderation_field()  # ContentState: anything but visible only to its author
    # False while held at writing (先审后发, a `review` word): its readers, points, notices and
    # PostPublished wait for a moderator's approval (feeds.services.send_out_post).
    published = models.BooleanField(_("已发出"), default=True)

    class Meta:
        verbose_name = _("动态")
        verbose_name_plural = _("动态")
        constraints = [
            models.CheckConstraint(
                condition=(Q(visibility="group") & Q(group__isnull=False))
                | (~Q(visibility="group") & Q(group__isnull=True)),
                name="group_posts_have_a_group",
            ),
            models.CheckConstraint(
                condition=Q(pinned_at__isnull=True) | Q(group__isnull=False),
                name="only_group_posts_are_pinned",
            ),
        ]
        indexes = [
            models.Index(fields=["author", "-id"], name="post_author_newest"),
            models.Index(fields=["group", "-id"], name="post_group_newest"),
            models.Index(fields=["school", "visibility", "-id"], name="post_school_newest"),
            models.Index(fields=["visibility", "-id"], name="post_visibility_newest"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:30]}"

    @property
    def is_announcement(self) -> bool:
        return self.pinned_at is not None

    # What a card shows beside the row. selectors.attach_details (images) and
    # attach_topics read them for a whole page in one query each (Django's prefetch
    # builds a queryset per post, a third of a timeline page's time); a post on its
    # own reads its own.

    def image_list(self) -> list["PostImage"]:
        if not hasattr(self, "_image_list"):
            self._image_list = list(self.images.all())
        return self._image_list

    def topic_list(self) -> list["Topic"]:
        if not hasattr(self, "_topic_list"):
            self._topic_list = [link.topic for link in
                                self.topic_links.select_related("topic").order_by("pk")]
        return self._topic_list

    def forget_details(self) -> None:
        """After its images or topics changed."""
        self.__dict__.pop("_image_list", None)
        self.__dict__.pop("_topic_list", None)


def post_image_path(image: "PostImage", filename: str) -> str:
    return random_name("posts", filename)


class PostImage(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="images")
    # Served by /files/ once feeds.files says the viewer may see the post.
    # Indexed: /files/ finds the image (and so the post) by its name.
    image = models.ImageField(upload_to=post_image_path, storage=protected_storage,
                              max_length=200, db_index=True)
    position = models.PositiveSmallIntegerField()

    class Meta:
        verbose_name = _("动态图片")
        verbose_name_plural = _("动态图片")
        verbose_name = _("动态图片")
        verbose_name_plural = _("动态图片")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["post", "position"], name="one_image_per_slot"),
            models.CheckConstraint(condition=Q(position__lt=MAX_IMAGES), name="at_most_nine"),
        ]

    def __str__(self) -> str:
        return self.image.name


class Comment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="comments",
                             verbose_name=_("动态"))
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="comments", verbose_name=_("作者"))
    # Replies are one level deep: a reply's parent is always a top-level comment.
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE,
                               related_name="replies", verbose_name=_("所回复的评论"))
    reply_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="+",
                                 verbose_name=_("回复对象"))
    text = models.TextField(_("内容"), max_length=COMMENT_MAX_LENGTH)
    # as Post.mention_links
    mention_links = models.JSONField(_("提及的人"), default=dict, blank=True)
    like_count = models.PositiveIntegerField(_("点赞数"), default=0)
    created_at = models.DateTimeField(_("发布时间"), auto_now_add=True)
    moderation = moderation_field()  # as Post.moderation
    published = models.BooleanField(_("已发出"), default=True)  # as Post.published

    class Meta:
        verbose_name = _("评论")
        verbose_name_plural = _("评论")
        indexes = [models.Index(fields=["post", "parent", "id"], name="comment_thread")]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:30]}"


class PostLike(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("动态点赞")
        verbose_name_plural = _("动态点赞")
        verbose_name = _("动态点赞")
        verbose_name_plural = _("动态点赞")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="like_post_once")]
        indexes = [models.Index(fields=["user", "post"], name="post_like_by_user")]

    def __str__(self) -> str:
        return f"{self.user} ♥ {self.post_id}"


class CommentLike(models.Model):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="likes")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("评论点赞")
        verbose_name_plural = _("评论点赞")
        verbose_name = _("评论点赞")
        verbose_name_plural = _("评论点赞")
        constraints = [
            models.UniqueConstraint(fields=["comment", "user"], name="like_comment_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} ♥ comment {self.comment_id}"


class Topic(models.Model):
    """A #话题#. Names are stored as written; matching is case-insensitive."""

    name = models.CharField(max_length=30)
    normalized = models.CharField(max_length=30, unique=True)
    post_count = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("话题")
        verbose_name_plural = _("话题")

    def __str__(self) -> str:
        return f"#{self.name}#"


class PostTopic(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="topic_links")
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="post_links")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("动态话题")
        verbose_name_plural = _("动态话题")
        verbose_name = _("动态话题")
        verbose_name_plural = _("动态话题")
        constraints = [models.UniqueConstraint(fields=["post", "topic"], name="topic_once")]
        indexes = [
            models.Index(fields=["topic", "-post"], name="topic_newest"),
            models.Index(fields=["created_at"], name="topic_link_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.topic} ← {self.post_id}"


class Mention(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="mentions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")

    class Meta:
        verbose_name = _("提及")
        verbose_name_plural = _("提及")
        verbose_name = _("提及")
        verbose_name_plural = _("提及")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="mention_once")]

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.user}"

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


# --- polls (投票) ----------------------------------------------------------------------------
# A poll belongs to a post and is seen by whoever sees the post (feeds/visibility.py).
# One vote per member per poll is the database's rule: a ballot row unique per voter,
# and one row per option chosen, unique per ballot and option (a single-choice poll's
# service writes exactly one).

POLL_MIN_OPTIONS = 2
POLL_MAX_OPTIONS = 10
POLL_OPTION_MAX_LENGTH = 50


class Poll(models.Model):
    post = models.OneToOneField(Post, on_delete=models.CASCADE, related_name="poll",
                                verbose_name=_("动态"))
    multiple = models.BooleanField(_("多选"), default=False)
    # Who voted what is never shown for an anonymous poll, through any page or API.
    anonymous = models.BooleanField(_("匿名"), default=False)
    # The counts are shown once the poll is closed (to its author at any time).
    results_hidden = models.BooleanField(_("截止前隐藏结果"), default=False)
    closes_at = models.DateTimeField(_("截止时间"))
    # Set once, by whoever closes it first (the periodic task, or a read after the
    # deadline): the poll.closed event is sent by that one.
    closed_at = models.DateTimeField(_("已结束于"), null=True, blank=True)
    voter_count = models.PositiveIntegerField(_("投票人数"), default=0)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("投票")
        verbose_name_plural = _("投票")
        indexes = [models.Index(fields=["closed_at", "closes_at"], name="poll_due")]

    def __str__(self) -> str:
        return f"poll of {self.post_id}"


class PollOption(models.Model):
    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="options",
                             verbose_name=_("投票"))
    position = models.PositiveSmallIntegerField(_("位置"))
    text = models.CharField(_("选项"), max_length=POLL_OPTION_MAX_LENGTH)
    vote_count = models.PositiveIntegerField(_("票数"), default=0)

    class Meta:
        verbose_name = _("投票选项")
        verbose_name_plural = _("投票选项")
        ordering = ["position"]
        constraints = [
            models.UniqueConstraint(fields=["poll", "position"], name="one_option_per_slot"),
            models.CheckConstraint(condition=Q(position__lt=POLL_MAX_OPTIONS),
                                   name="at_most_ten_options"),
        ]

    def __str__(self) -> str:
        return self.text


class PollBallot(models.Model):
    """A voter's one ballot in a poll."""

    poll = models.ForeignKey(Poll, on_delete=models.CASCADE, related_name="ballots")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [models.UniqueConstraint(fields=["poll", "user"], name="vote_once")]

    def __str__(self) -> str:
        return f"{self.user_id} → poll {self.poll_id}"


class PollVote(models.Model):
    """An option chosen on a ballot."""

    ballot = models.ForeignKey(PollBallot, on_delete=models.CASCADE, related_name="votes")
    option = models.ForeignKey(PollOption, on_delete=models.CASCADE, related_name="votes")

    class Meta:
        verbose_name = _("投票选择")
        verbose_name_plural = _("投票选择")
        constraints = [models.UniqueConstraint(fields=["ballot", "option"],
                                               name="choose_option_once")]

    def __str__(self) -> str:
        return f"ballot {self.ballot_id}: option {self.option_id}"


# --- announcement read receipts (已读回执) ----------------------------------------------------


class AnnouncementRead(models.Model):
    """A member has read a group announcement (opened its page, or said 我已读)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reads")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="+")
    read_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公告已读")
        verbose_name_plural = _("公告已读")
        constraints = [models.UniqueConstraint(fields=["post", "user"], name="read_once")]

    def __str__(self) -> str:
        return f"{self.user_id} read {self.post_id}"


class AnnouncementReminder(models.Model):
    """A reminder sent to the members who had not read an announcement (once an hour)."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reminders")
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                related_name="+")
    recipient_count = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("公告提醒")
        verbose_name_plural = _("公告提醒")
        indexes = [models.Index(fields=["post", "-sent_at"], name="reminder_newest")]

    def __str__(self) -> str:
        return f"reminder of {self.post_id}"

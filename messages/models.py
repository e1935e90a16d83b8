"""Conversations: one between two people (私信), or a group's chat (群聊), one per group.

- Participant: a person's place in a conversation: what they have read (last_read_id and
  the unread count kept beside it, so an inbox page costs no count per row), whether it is
  muted, and `visible_after_id`: the messages a person may read are those after it (a
  member who joins a group's chat does not read what was said before; a person who
  clears a direct conversation no longer reads what came before). `left_at`: gone from a
  group's chat (the group left, and with it its chat) or a direct conversation closed.
- A direct conversation opened by someone who may not message the other directly (no
  mutual follow, no shared group, not their teacher) is a message request (消息请求):
  `state` REQUEST from `requested_by`, until the other accepts or declines it.
- Message: text, or an image or a file (checked by content), sent by a participant;
  recalled by its sender within RECALL_WINDOW (the row stays: 消息已撤回, its text and
  attachment gone); reportable, and held or removed by moderation as posts are.
"""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from yiban_core.files.storage import protected_storage, random_name
from yiban_core.groups.models import Group
from yiban_core.moderation.models import moderation_field

MESSAGE_MAX_LENGTH = 2000
RECALL_WINDOW = timedelta(minutes=2)


class Conversation(models.Model):
    class Kind(models.TextChoices):
        DIRECT = "direct", _("私信")
        GROUP = "group", _("群聊")

    class State(models.TextChoices):
        OPEN = "open", _("正常")
        REQUEST = "request", _("消息请求")
        DECLINED = "declined", _("已拒绝")

    kind = models.CharField(max_length=10, choices=Kind.choices)
    # A direct conversation names its two people, the smaller id first (one per pair).
    user_low = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                 on_delete=models.CASCADE, related_name="+")
    user_high = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                  on_delete=models.CASCADE, related_name="+")
    group = models.OneToOneField(Group, null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="chat")
    state = models.CharField(max_length=10, choices=State.choices, default=State.OPEN)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    # The newest message's time and id: the inbox's order (null: nothing said yet).
    last_message_at = models.DateTimeField(null=True, blank=True)
    last_message_id = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("会话")
        verbose_name_plural = _("会话")
        constraints = [
            models.UniqueConstraint(fields=["user_low", "user_high"],
                                    condition=Q(kind="direct"), name="one_conversation_per_pair"),
            models.CheckConstraint(
                condition=(Q(kind="direct", group__isnull=True, user_low__isnull=False,
                             user_high__isnull=False, user_low__lt=F("user_high"))
                           | Q(kind="group", group__isnull=False, user_low__isnull=True,
                               user_high__isnull=True, state="open")),
                name="conversation_is_direct_or_group"),
        ]
        indexes = [models.Index(fields=["-last_message_at", "-id"], name="conversation_recent")]

    def __str__(self) -> str:
        if self.kind == self.Kind.GROUP:
            return f"群聊 #{self.group_id}"
        return f"私信 {self.user_low_id}↔{self.user_high_id}"

    @property
    def is_group(self) -> bool:
        return self.kind == self.Kind.GROUP


class Participant(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="participants")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="conversation_seats")
    joined_at = models.DateTimeField(auto_now_add=True)
    left_at = models.DateTimeField(null=True, blank=True)
    visible_after_id = models.BigIntegerField(default=0)
    last_read_id = models.BigIntegerField(default=0)
    unread_count = models.PositiveIntegerField(default=0)
    muted = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("会话成员")
        verbose_name_plural = _("会话成员")
        constraints = [
            models.UniqueConstraint(fields=["conversation", "user"], name="participant_once"),
        ]
        indexes = [models.Index(fields=["user", "left_at"], name="participant_inbox")]

    def __str__(self) -> str:
        return f"{self.user_id} @ {self.conversation_id}"


def attachment_path(message: Message, filename: str) -> str:
    return random_name("messages", filename)


class Message(models.Model):
    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE,
                                     related_name="messages")
    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                               related_name="sent_messages")
    text = models.TextField(blank=True, max_length=MESSAGE_MAX_LENGTH)
    # An image or a file, served by /files/ to the conversation's readers (messages.files).
    attachment = models.FileField(upload_to=attachment_path, storage=protected_storage,
                                  max_length=200, blank=True, db_index=True)
    attachment_name = models.CharField(max_length=120, blank=True)
    attachment_type = models.CharField(max_length=100, blank=True)
    attachment_size = models.PositiveBigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    recalled_at = models.DateTimeField(null=True, blank=True)
    moderation = moderation_field()  # ContentState: anything but visible only to its sender
    # False while held by moderation when sent: nobody was told, nothing counted unread.
    delivered = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("消息")
        verbose_name_plural = _("消息")
        indexes = [models.Index(fields=["conversation", "-id"], name="message_history")]

    def __str__(self) -> str:
        return f"{self.sender_id}: {self.text[:30]}"

    @property
    def is_image(self) -> bool:
        return self.attachment_type.startswith("image/")

    @property
    def is_recalled(self) -> bool:
        return self.recalled_at is not None

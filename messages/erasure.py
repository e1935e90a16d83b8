"""What a cancelled account leaves in messages (yiban_core/privacy/closure.py).

The other participants keep their conversations: a direct conversation stays in the
other person's inbox, a group's chat goes on. The person's own seats (their inbox, what
they read) go. Their messages follow their choice: kept, they read as sent by 已注销用户;
deleted, they become what a recall leaves (消息已撤回: the text and the file gone for
everyone, the place in the conversation kept so nobody's unread count or order moves),
and open screens are told as for a recall."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from messages.models import Message, Participant
from yiban_core import events
from yiban_core.privacy.registry import erasure


def _recall_all(user) -> None:
    mine = Message.objects.filter(sender=user, recalled_at__isnull=True)
    files = [name for name in mine.exclude(attachment="").values_list("attachment", flat=True)]
    recalled = list(mine.values_list("pk", "conversation_id"))
    mine.update(recalled_at=timezone.now(), text="", attachment="", attachment_name="",
                attachment_type="", attachment_size=0)
    if files:
        storage = Message._meta.get_field("attachment").storage

        def delete_files() -> None:
            for name in files:
                storage.delete(name)
        transaction.on_commit(delete_files)
    readers: dict[int, tuple[int, ...]] = {}
    for message_id, conversation_id in recalled:
        if conversation_id not in readers:
            readers[conversation_id] = tuple(Participant.objects.filter(
                conversation_id=conversation_id, left_at__isnull=True)
                .exclude(user=user).values_list("user_id", flat=True))
        events.send(events.MessageRecalled(message_id=message_id,
                                           conversation_id=conversation_id,
                                           participant_ids=readers[conversation_id]))


@erasure("conversations")
def erase(user, keep_content: bool) -> None:
    if not keep_content:
        _recall_all(user)
    Participant.objects.filter(user=user).delete()

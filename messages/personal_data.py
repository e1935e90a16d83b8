"""What conversations keep about a person: the conversations they are in (the other side
named by display name only) and the messages they sent, with their images and files.
Messages others sent are theirs, not exported."""

from django.utils.translation import gettext_lazy as _

from messages.models import Conversation, Message, Participant
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import file_name, iso, name_of, rows


def _attachment_name(message: Message) -> str:
    return file_name(f"conversations/message-{message.pk}",
                     message.attachment_name or message.attachment.name)


def _with(conversation: Conversation, user) -> str:
    if conversation.is_group:
        return conversation.group.name if conversation.group_id else ""
    other = conversation.user_high if conversation.user_low_id == user.pk \
        else conversation.user_low
    return name_of(other)


def _participant(user):
    def shape(participant: Participant) -> dict:
        conversation = participant.conversation
        return {"id": conversation.pk, "kind": conversation.get_kind_display(),
                "with": _with(conversation, user), "state": conversation.get_state_display(),
                "joined_at": iso(participant.joined_at), "left_at": iso(participant.left_at),
                "muted": participant.muted}
    return shape


def _message(message: Message) -> dict:
    attached = bool(message.attachment) and not message.is_recalled
    return {"id": message.pk, "conversation": message.conversation_id, "text": message.text,
            "sent_at": iso(message.created_at), "recalled_at": iso(message.recalled_at),
            "attachment": _attachment_name(message) if attached else None,
            "attachment_name": message.attachment_name if attached else ""}


def export(user) -> dict:
    participants = (Participant.objects.filter(user=user)
                    .select_related("conversation__group", "conversation__user_low",
                                    "conversation__user_high").order_by("pk"))
    return {
        "conversations": rows(participants, _participant(user)),
        "messages_sent": rows(Message.objects.filter(sender=user).order_by("pk"), _message),
    }


def files(user):
    sent = (Message.objects.filter(sender=user, recalled_at__isnull=True)
            .exclude(attachment="").order_by("pk"))
    for message in sent.iterator(chunk_size=500):
        yield _attachment_name(message), message.attachment


declare(Declaration(app="conversations", title=_("私信与群聊"),
                    models=[Conversation, Participant, Message], export=export, files=files))

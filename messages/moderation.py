"""Messages as moderation targets (yiban_core/moderation/targets.py): reported by those
who may read them (its participants), loaded through messages.selectors; held when a
`review` word is in them (seen by their sender only) or after reports, removed by a
moderator's decision. A message held when sent reaches its readers when approved."""

from __future__ import annotations

from django.db import transaction

from messages import selectors, services
from messages.models import Conversation, Message
from yiban_core import events
from yiban_core.moderation.models import ContentState
from yiban_core.moderation.targets import TargetKind, register


def _school_id(message: Message) -> int | None:
    group = message.conversation.group
    if group is not None and group.school_id is not None:
        return group.school_id
    return message.sender.school_id


def register_targets() -> None:
    register(TargetKind(
        model=Message, type_name="Message",
        load_visible=lambda actor, pk: selectors.get_message(actor=actor, pk=pk),
        author_id=lambda message: message.sender_id,
        group_id=lambda message: message.conversation.group_id,
        school_id=_school_id,
        excerpt=lambda message: message.text or message.attachment_name,
        path=lambda message: f"/messages/{message.conversation_id}/#message-{message.pk}",
        hideable=True,
    ))


def on_content_state_changed(event: events.ContentStateChanged) -> None:
    """Durable: a message held when sent and now approved is delivered as it would have
    been then (in the moderator's transaction)."""
    if event.model_label != Message._meta.label_lower or event.state != ContentState.VISIBLE:
        return
    with transaction.atomic():
        if not Message.objects.filter(pk=event.target_id, delivered=False).update(
                delivered=True):
            return
        message = Message.objects.get(pk=event.target_id)
        conversation = Conversation.objects.select_for_update().get(pk=message.conversation_id)
        services.deliver(conversation, message)


def connect() -> None:
    events.subscribe(events.ContentStateChanged, on_content_state_changed, durable=True)

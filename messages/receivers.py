"""A group's chat follows its membership (MembershipsChanged, durable: in the same
transaction as the join or the departure, so nobody is ever a member without their seat
or a former member with one).

- joined: a seat in the group's chat (when it has one yet), reading from now on: the
  history before the join is not theirs;
- left (left, removed, banned, a roster sync): their seat is left; a later return reads
  only from then on.
"""

from __future__ import annotations

from django.db.models import Q
from django.utils import timezone

from messages.models import Conversation, Participant
from messages.services import badges_moved
from yiban_core import events


def on_memberships_changed(event: events.MembershipsChanged) -> None:
    if event.group_deleted:  # the chat goes with the group (on_delete), and its unread
        badges_moved(member.user_id for member in event.left)
        return
    if event.left:
        condition = Q()
        for member in event.left:
            condition |= Q(conversation__group_id=member.group_id, user_id=member.user_id)
        Participant.objects.filter(condition, left_at__isnull=True).update(
            left_at=timezone.now(), unread_count=0)
        badges_moved(member.user_id for member in event.left)
    if event.joined:
        chats = dict(Conversation.objects.filter(
            group_id__in={m.group_id for m in event.joined}).values_list("group_id", "pk"))
        if not chats:
            return
        last = dict(Conversation.objects.filter(pk__in=chats.values())
                    .values_list("pk", "last_message_id"))
        for member in event.joined:
            chat_id = chats.get(member.group_id)
            if chat_id is None:
                continue
            seat, created = Participant.objects.get_or_create(
                conversation_id=chat_id, user_id=member.user_id,
                defaults={"visible_after_id": last[chat_id], "last_read_id": last[chat_id]})
            if not created and seat.left_at is not None:
                Participant.objects.filter(pk=seat.pk).update(
                    left_at=None, visible_after_id=last[chat_id],
                    last_read_id=last[chat_id], unread_count=0, joined_at=timezone.now())
                badges_moved([member.user_id])


def connect() -> None:
    events.subscribe(events.MembershipsChanged, on_memberships_changed, durable=True)

"""Every read of conversations and messages: the one place that decides who sees them.

A person sees a conversation while they are its participant and have not left it; a
message of it when it came after their `visible_after_id` and is shown (held or removed
by moderation: its sender's only). Nobody else sees either: not a site admin through
these doors, not a school app (no scope grants it), not a token without messages:read.
"""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Q, QuerySet, Sum
from django.utils.translation import gettext as _

from messages import rules
from messages.models import Conversation, Message, Participant
from yiban_core import personal_cache
from yiban_core.accounts.models import Block
from yiban_core.actor import Actor
from yiban_core.errors import NotFound
from yiban_core.ids import parse_id
from yiban_core.moderation.models import ContentState
from yiban_core.pagination import Page, paginate


def _inbox_q(user_id: int) -> Q:
    """Conversations of the person's inbox: theirs, not left, something said, and not a
    request to them (the request box) nor one they declined."""
    return (Q(participants__user_id=user_id, participants__left_at__isnull=True)
            & Q(last_message_at__isnull=False)
            & (Q(state=Conversation.State.OPEN) | Q(requested_by_id=user_id)))


def inbox_queryset(*, actor: Actor, requests: bool = False) -> QuerySet[Conversation]:
    """The person's conversations, the one with the newest message first. With
    `requests`, their request box: message requests from people who may not message them
    directly, waiting for an answer. Attach each page's seats (attach_seats)."""
    user = rules.reader(actor)
    if requests:
        qs = Conversation.objects.filter(
            participants__user_id=user.pk, participants__left_at__isnull=True,
            state=Conversation.State.REQUEST, last_message_at__isnull=False,
        ).exclude(requested_by_id=user.pk)
    else:
        qs = Conversation.objects.filter(_inbox_q(user.pk))
    return (qs.select_related("group", "user_low", "user_high")
            .order_by("-last_message_at", "-pk"))


def inbox(*, actor: Actor, first: int | None = None, after: str | None = None,
          requests: bool = False) -> Page:
    """A page of inbox_queryset, its seats attached."""
    page = paginate(inbox_queryset(actor=actor, requests=requests), first=first, after=after)
    attach_seats(actor.user_id, page.items)
    return page


def attach_seats(user_id: int, conversations: list[Conversation]) -> None:
    """Each conversation's `seat` (the person's Participant) and `last_message` (what
    they may read of it), in two queries for a page."""
    seats = {p.conversation_id: p for p in Participant.objects.filter(
        user_id=user_id, conversation__in=[c.pk for c in conversations])}
    lasts = {m.pk: m for m in Message.objects.filter(
        pk__in=[c.last_message_id for c in conversations if c.last_message_id])
        .select_related("sender")}
    for conversation in conversations:
        conversation.seat = seats.get(conversation.pk)
        last = lasts.get(conversation.last_message_id)
        seat = conversation.seat
        if last is not None and seat is not None and (
                last.pk <= seat.visible_after_id
                or (last.moderation != ContentState.VISIBLE and last.sender_id != user_id)):
            last = None
        conversation.last_message = last


def get_conversation(*, actor: Actor, pk, scope: str = rules.READ_SCOPE) -> Conversation:
    """A conversation the actor takes part in (and has not left); NotFound otherwise,
    the same for one that does not exist."""
    user = rules.reader(actor, scope)
    number = parse_id(pk)
    seat = (Participant.objects.select_related("conversation", "conversation__group")
            .filter(conversation_id=number, user_id=user.pk, left_at__isnull=True).first()
            if number else None)
    if seat is None:
        raise NotFound(_("会话不存在或你不在其中"), field="conversation")
    conversation = seat.conversation
    conversation.seat = seat
    return conversation


def readable_messages(conversation: Conversation, user_id: int) -> QuerySet[Message]:
    seat = conversation.seat
    return (Message.objects.filter(conversation=conversation, pk__gt=seat.visible_after_id)
            .filter(_shown_to(user_id)))


def messages_queryset(*, actor: Actor, conversation_id) -> QuerySet[Message]:
    """A conversation's messages the actor may read, the newest first."""
    conversation = get_conversation(actor=actor, pk=conversation_id)
    return (readable_messages(conversation, actor.user_id).select_related("sender")
            .order_by("-pk"))


def messages_of(*, actor: Actor, conversation_id, first: int | None = None,
                after: str | None = None) -> Page:
    return paginate(messages_queryset(actor=actor, conversation_id=conversation_id),
                    first=first, after=after)


def get_message(*, actor: Actor, pk, scope: str = rules.READ_SCOPE) -> Message:
    """A message the actor may read; NotFound otherwise."""
    user = rules.reader(actor, scope)
    number = parse_id(pk)
    message = (Message.objects.select_related("conversation", "sender").filter(pk=number).first()
               if number else None)
    if message is None or not visible_message_ids(user.pk, [message.pk]):
        raise NotFound(_("消息不存在或你无权查看"), field="message")
    return message


def visible_message_ids(user_id: int, ids) -> set[int]:
    """Of these messages, those the person may read (one query)."""
    return set(Message.objects.filter(pk__in=list(ids)).filter(_readable_by(user_id))
               .values_list("pk", flat=True))


def _readable_by(user_id: int) -> Q:
    """Messages the person may read: after their seat's visible_after_id in a conversation
    they have not left, and shown (or their own)."""
    seat = Participant.objects.filter(conversation_id=OuterRef("conversation_id"),
                                      user_id=user_id, left_at__isnull=True,
                                      visible_after_id__lt=OuterRef("pk"))
    return Exists(seat) & _shown_to(user_id)


def _shown_to(user_id: int) -> Q:
    """Shown by moderation (or one's own), and in a group chat not from someone the reader
    blocked (拉黑 hides their words everywhere, as in the feeds; a direct conversation with
    them takes no new message at all)."""
    blocked = Block.objects.filter(blocker_id=user_id).values("blocked_id")
    return ((Q(moderation=ContentState.VISIBLE) | Q(sender_id=user_id))
            & ~Q(conversation__kind=Conversation.Kind.GROUP, sender_id__in=blocked))


def unread_total(*, actor: Actor) -> int:
    """The nav badge: unread messages of conversations not muted (requests aside)."""
    if actor.user is None or not actor.has_scope(rules.READ_SCOPE):
        return 0
    user_id = actor.user_id
    # On every page: cached, forgotten by each seat write (services.badges_moved).
    return personal_cache.read(actor.user, "unread-messages", lambda: Participant.objects.filter(
        user_id=user_id, left_at__isnull=True, muted=False, unread_count__gt=0,
    ).filter(Q(conversation__state=Conversation.State.OPEN)
             | Q(conversation__requested_by_id=user_id)
             ).aggregate(n=Sum("unread_count"))["n"] or 0, shelf=personal_cache.CHATTER)


def request_count(*, actor: Actor) -> int:
    if actor.user is None or not actor.has_scope(rules.READ_SCOPE):
        return 0
    return Conversation.objects.filter(
        participants__user_id=actor.user_id, participants__left_at__isnull=True,
        state=Conversation.State.REQUEST).exclude(requested_by_id=actor.user_id).count()


def unread_totals(user_ids) -> dict[int, int]:
    """The badge of each of these people (the live push of a new message): one query."""
    rows = (Participant.objects.filter(user_id__in=list(user_ids), left_at__isnull=True,
                                       muted=False, unread_count__gt=0)
            .filter(Q(conversation__state=Conversation.State.OPEN)
                    | Q(conversation__requested_by_id=F("user_id")))
            .values("user_id").annotate(n=Sum("unread_count")).values_list("user_id", "n"))
    return dict(rows)


def other_person(conversation: Conversation, user_id: int):
    """The other person of a direct conversation (needs user_low and user_high loaded)."""
    if conversation.is_group:
        return None
    return conversation.user_high if conversation.user_low_id == user_id else conversation.user_low


def missed_messages(*, actor: Actor, after: int, limit: int = 100) -> list[Message]:
    """Messages to the person newer than `after` (a socket catching up), oldest first."""
    user = rules.reader(actor)
    mine = Participant.objects.filter(user_id=user.pk, left_at__isnull=True)
    return list(Message.objects.filter(pk__gt=after,
                                       conversation_id__in=mine.values("conversation_id"))
                .filter(_readable_by(user.pk))
                .exclude(sender_id=user.pk).order_by("pk")[:limit])

"""Every write to conversations and messages.

Each service checks the actor (a person, through their session or a token of their own
with messages:write; never a school app), the rules (messages/rules.py) and the input,
then writes in one transaction and sends the domain event (MessageSent, MessageRecalled,
MessagesRead: yiban_core/events.py) on which realtime pushes to the readers' sockets.

Sends to one conversation are serialised by locking its row, so its last message, the
unread counts and a request's state move in one order under concurrent sends.
"""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from messages import files, rules, selectors
from messages.models import MESSAGE_MAX_LENGTH, Conversation, Message, Participant
from yiban_core import events, personal_cache
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups import services as group_services
from yiban_core.groups.models import Group, Membership
from yiban_core.ids import parse_id
from yiban_core.moderation.models import ContentState
from yiban_core.moderation.services import hold_if_needed, school_of, screen
from yiban_core.ratelimit import hit

MESSAGES_PER_MINUTE = 60
REQUESTS_PER_DAY = 20  # message requests to strangers


def _clean_text(text, *, required: bool) -> str:
    if text is not None and not isinstance(text, str):
        raise Invalid(_("消息内容不正确"), field="text")
    text = (text or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise Invalid(_("消息不能为空"), field="text")
    if len(text) > MESSAGE_MAX_LENGTH:
        raise Invalid(_("消息不能超过 %(n)d 个字") % {"n": MESSAGE_MAX_LENGTH}, field="text")
    return text


# --- opening a conversation -------------------------------------------------------------


def open_direct(*, actor: Actor, username: str) -> Conversation:
    """The actor's conversation with `username`, made when there is none (nothing is said
    yet: it shows in no inbox until the first message). A conversation the actor closed or
    declined opens again, empty of what came before."""
    user = rules.reader(actor, rules.WRITE_SCOPE)
    other = User.objects.filter(username=str(username or "")[:150], is_active=True).first()
    if other is None:
        raise NotFound(_("没有这个用户"), field="recipient")
    rules.contact_route(user, other)  # PermissionDenied: self, blocked
    low, high = sorted([user, other], key=lambda person: person.pk)
    with transaction.atomic():
        conversation = Conversation.objects.filter(kind=Conversation.Kind.DIRECT,
                                                   user_low=low, user_high=high).first()
        if conversation is None:
            try:
                with transaction.atomic():
                    conversation = Conversation.objects.create(
                        kind=Conversation.Kind.DIRECT, user_low=low, user_high=high)
            except IntegrityError:  # opened at the same moment by the other, or twice
                conversation = Conversation.objects.get(kind=Conversation.Kind.DIRECT,
                                                        user_low=low, user_high=high)
        for person in (low, high):
            Participant.objects.get_or_create(conversation=conversation, user=person)
        Participant.objects.filter(conversation=conversation, user=user,
                                   left_at__isnull=False).update(
            left_at=None, visible_after_id=conversation.last_message_id, unread_count=0,
            last_read_id=conversation.last_message_id)
        badges_moved([user.pk])
    return selectors.get_conversation(actor=actor, pk=conversation.pk, scope=rules.WRITE_SCOPE)


def open_group_chat(*, actor: Actor, group_id) -> Conversation:
    """A group's chat, for a member (made on first use, with a seat for every member)."""
    user = rules.reader(actor, rules.WRITE_SCOPE)
    number = parse_id(group_id)
    group = Group.objects.filter(pk=number).first() if number else None
    membership = (Membership.objects.filter(group=group, user=user).first()
                  if group is not None else None)
    if membership is None:
        raise NotFound(_("群不存在或你不是成员"), field="group")
    with transaction.atomic():
        chat, created = _chat_of(group)
        if created:
            Participant.objects.bulk_create(
                [Participant(conversation=chat, user_id=uid) for uid in
                 Membership.objects.filter(group=group).values_list("user_id", flat=True)],
                ignore_conflicts=True)
        elif not Participant.objects.filter(conversation=chat, user=user).exists():
            # Joined while the chat was being made: history from the join on is theirs.
            before = (Message.objects.filter(conversation=chat,
                                             created_at__lt=membership.joined_at)
                      .order_by("-pk").values_list("pk", flat=True).first()) or 0
            Participant.objects.get_or_create(conversation=chat, user=user, defaults={
                "visible_after_id": before, "last_read_id": before})
    return selectors.get_conversation(actor=actor, pk=chat.pk, scope=rules.WRITE_SCOPE)


def _chat_of(group: Group) -> tuple[Conversation, bool]:
    chat = Conversation.objects.filter(group=group).first()
    if chat is not None:
        return chat, False
    try:
        with transaction.atomic():
            return Conversation.objects.create(kind=Conversation.Kind.GROUP, group=group), True
    except IntegrityError:  # made at the same moment by another member
        return Conversation.objects.get(group=group), False


# --- sending ------------------------------------------------------------------------------


def send_message(*, actor: Actor, conversation_id, text: str = "", attachment=None) -> Message:
    """Send text, or an image or a file (with or without a caption), to a conversation the
    actor takes part in. In a direct conversation the rules of messages/rules.py apply at
    each send (blocks at once); a first message to a stranger is a message request, and
    no second one goes until it is accepted."""
    user = rules.reader(actor, rules.WRITE_SCOPE)
    rules.require_may_speak(user)
    text = _clean_text(text, required=attachment is None)
    mime = name = None
    if attachment is not None:
        mime, name = files.check_attachment(attachment)
    conversation = selectors.get_conversation(actor=actor, pk=conversation_id,
                                              scope=rules.WRITE_SCOPE)
    verdict = screen("text", text, school=school_of(user, conversation.group)) if text else None
    hit(f"message:{user.pk}", limit=MESSAGES_PER_MINUTE, window_s=60)
    with transaction.atomic():
        # The lock orders this conversation's sends (its state, last message, counts).
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        seat = Participant.objects.filter(conversation=locked, user=user,
                                          left_at__isnull=True).first()
        if seat is None:  # left (the group) since the conversation was looked up
            raise NotFound(_("会话不存在或你不在其中"), field="conversation")
        if locked.is_group:
            _require_may_speak_in(locked.group, user)
        else:
            _direct_state(locked, user)
        message = Message(conversation=locked, sender=user, text=verdict.text if verdict else "")
        if attachment is not None:
            message.attachment_type, message.attachment_name = mime, name
            message.attachment_size = attachment.size
            message.attachment.save(name, attachment, save=False)  # a random stored name
        message.save()
        if verdict is not None:
            hold_if_needed(message, verdict)
        if message.moderation != ContentState.VISIBLE:
            Message.objects.filter(pk=message.pk).update(delivered=False)
            message.delivered = False
            return message
        deliver(locked, message)
    return message


def _require_may_speak_in(group: Group, user: User) -> None:
    if group.archived_at is not None:
        raise PermissionDenied(_("这个群已归档，只能查看"), field="conversation")
    if not Membership.objects.filter(group=group, user=user).exists():
        raise PermissionDenied(_("你已不是这个群的成员"), field="conversation")


def _direct_state(conversation: Conversation, user: User) -> None:
    """Check and move a direct conversation's request state for a message `user` sends."""
    other_id = (conversation.user_high_id if conversation.user_low_id == user.pk
                else conversation.user_low_id)
    other = User.objects.get(pk=other_id)
    route = rules.contact_route(user, other)  # blocks, a closed account: refused here
    state, requester = conversation.state, conversation.requested_by_id
    if state == Conversation.State.OPEN and (requester is not None
                                             or conversation.last_message_id):
        return  # accepted, or opened directly: talk freely
    if state == Conversation.State.OPEN:  # the first message
        if route == rules.REQUEST:
            hit(f"message-request:{user.pk}", limit=REQUESTS_PER_DAY, window_s=24 * 3600)
            _set_state(conversation, Conversation.State.REQUEST, requested_by=user.pk)
        return
    if requester != user.pk or route == rules.DIRECT:
        # The other answers the request (a reply accepts it), or the two may talk now.
        _set_state(conversation, Conversation.State.OPEN, requested_by=requester)
        Participant.objects.filter(conversation=conversation, user_id=other_id,
                                   left_at__isnull=False).update(left_at=None)
        badges_moved([other_id])
        return
    if state == Conversation.State.DECLINED:
        raise PermissionDenied(_("对方没有接受你的消息请求"), field="conversation")
    raise PermissionDenied(_("对方接受你的消息请求之前，不能继续发送"), field="conversation")


def _set_state(conversation: Conversation, state: str, *, requested_by: int | None) -> None:
    conversation.state, conversation.requested_by_id = state, requested_by
    Conversation.objects.filter(pk=conversation.pk).update(state=state,
                                                           requested_by_id=requested_by)
    badges_moved([conversation.user_low_id, conversation.user_high_id])


def badges_moved(user_ids) -> None:
    """The 私信 badge of these people may have changed (an unread count, a seat left or
    taken, muted, a request answered): forget its cached value."""
    personal_cache.forget(user_ids, shelf=personal_cache.CHATTER)


def deliver(conversation: Conversation, message: Message) -> None:
    """A message reaches its readers: the conversation's last message, every other seat's
    unread count (a direct conversation the other closed opens again for them), MessageSent.
    In the sender's transaction, the conversation locked."""
    Conversation.objects.filter(pk=conversation.pk, last_message_id__lt=message.pk).update(
        last_message_at=message.created_at, last_message_id=message.pk)
    others = Participant.objects.filter(conversation=conversation).exclude(
        user_id=message.sender_id)
    if not conversation.is_group:
        others.filter(left_at__isnull=False).exclude(
            conversation__state=Conversation.State.DECLINED).update(left_at=None)
    others = others.filter(left_at__isnull=True)
    others.update(unread_count=F("unread_count") + 1)
    Participant.objects.filter(conversation=conversation, user_id=message.sender_id).update(
        last_read_id=message.pk, unread_count=0)
    recipients = tuple(others.values_list("user_id", flat=True))
    badges_moved([*recipients, message.sender_id])
    events.send(events.MessageSent(message_id=message.pk, conversation_id=conversation.pk,
                                   sender_id=message.sender_id, recipient_ids=recipients))


# --- reading, muting, leaving -----------------------------------------------------------


def mark_read(*, actor: Actor, conversation_id) -> Participant:
    """Everything in the conversation read (its unread count to 0)."""
    conversation = selectors.get_conversation(actor=actor, pk=conversation_id)
    seat = conversation.seat
    if seat.unread_count == 0 and seat.last_read_id >= conversation.last_message_id:
        return seat
    with transaction.atomic():
        Participant.objects.filter(pk=seat.pk).update(
            unread_count=0, last_read_id=conversation.last_message_id)
        badges_moved([seat.user_id])
        events.send(events.MessagesRead(user_id=seat.user_id, conversation_id=conversation.pk))
    seat.refresh_from_db()
    return seat


def set_muted(*, actor: Actor, conversation_id, muted: bool) -> Participant:
    """消息免打扰: a muted conversation still counts its unread, but not on the badge."""
    conversation = selectors.get_conversation(actor=actor, pk=conversation_id,
                                              scope=rules.WRITE_SCOPE)
    seat = conversation.seat
    Participant.objects.filter(pk=seat.pk).update(muted=bool(muted))
    badges_moved([seat.user_id])
    seat.muted = bool(muted)
    return seat


def leave_conversation(*, actor: Actor, conversation_id) -> None:
    """Close a direct conversation (it leaves the inbox, and what was said so far is no
    longer shown to the actor; a new message opens it again), or leave a group's chat,
    which is leaving the group (a group's chat follows its membership)."""
    conversation = selectors.get_conversation(actor=actor, pk=conversation_id,
                                              scope=rules.WRITE_SCOPE)
    if conversation.is_group:
        group_services.leave_group(actor=actor, group=conversation.group)
        return
    Participant.objects.filter(pk=conversation.seat.pk).update(
        left_at=timezone.now(), visible_after_id=conversation.last_message_id,
        last_read_id=conversation.last_message_id, unread_count=0)
    badges_moved([conversation.seat.user_id])


def answer_request(*, actor: Actor, conversation_id, accept: bool) -> Conversation:
    """Accept a message request (it moves to the inbox) or decline it (it leaves the
    request box, and its sender may send no more)."""
    user = rules.reader(actor, rules.WRITE_SCOPE)
    conversation = selectors.get_conversation(actor=actor, pk=conversation_id,
                                              scope=rules.WRITE_SCOPE)
    with transaction.atomic():
        locked = Conversation.objects.select_for_update().get(pk=conversation.pk)
        if locked.state != Conversation.State.REQUEST or locked.requested_by_id == user.pk:
            raise Invalid(_("这不是等你回复的消息请求"), field="conversation")
        if accept:
            _set_state(locked, Conversation.State.OPEN, requested_by=locked.requested_by_id)
        else:
            _set_state(locked, Conversation.State.DECLINED, requested_by=locked.requested_by_id)
            Participant.objects.filter(pk=conversation.seat.pk).update(
                left_at=timezone.now(), visible_after_id=locked.last_message_id,
                last_read_id=locked.last_message_id, unread_count=0)
    locked.seat = conversation.seat
    return locked


# --- recalling ----------------------------------------------------------------------------


def recall_message(*, actor: Actor, message_id) -> Message:
    """撤回: the sender takes a message back within two minutes; a note remains
    (消息已撤回), its text and attachment are gone for everyone."""
    user = rules.reader(actor, rules.WRITE_SCOPE)
    message = selectors.get_message(actor=actor, pk=message_id, scope=rules.WRITE_SCOPE)
    if message.sender_id != user.pk:
        raise PermissionDenied(_("只能撤回自己发的消息"), field="message")
    if message.recalled_at is not None:
        raise Conflict(_("这条消息已经撤回了"), field="message")
    if not rules.may_recall(user, message):
        raise PermissionDenied(_("发送超过 2 分钟的消息不能撤回"), field="message")
    with transaction.atomic():
        changed = Message.objects.filter(pk=message.pk, recalled_at__isnull=True).update(
            recalled_at=timezone.now(), text="", attachment="", attachment_name="",
            attachment_type="", attachment_size=0)
        if not changed:
            raise Conflict(_("这条消息已经撤回了"), field="message")
        stored = message.attachment.name
        if stored:
            storage = message.attachment.storage
            transaction.on_commit(lambda: storage.delete(stored))
        participant_ids = tuple(Participant.objects.filter(
            conversation_id=message.conversation_id, left_at__isnull=True)
            .values_list("user_id", flat=True))
        events.send(events.MessageRecalled(message_id=message.pk,
                                           conversation_id=message.conversation_id,
                                           participant_ids=participant_ids))
    message.refresh_from_db()
    return message

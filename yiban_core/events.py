"""Domain events: what happened, said once, by the service that made the change.

"What happens when a post or a membership is written" is answered here and in the
subscribers each app registers in its AppConfig.ready (grep `events.subscribe`):
a service changes rows, then calls `send(SomeEvent(...))` inside its transaction;
it never calls another app's code for the side effects, and no app listens to
another app's model saves for them. Model-save receivers remain only where an app
invalidates a cache it owns for rows anybody (the admin site too) may save.

Two kinds of subscriber, chosen when subscribing:

- durable (`durable=True`): must not be lost. Called at once, inside the sender's
  transaction, and writes only what may commit or roll back with the change: in
  practice it enqueues a task (the outbox: django-tasks-db's row is written in the
  same transaction), so a crash after the commit loses nothing, the worker runs
  the task. Webhook fan-outs, the live push of a new post, revoking a left
  member's group stream. A subscriber that must act before the commit for reads
  later in the same transaction (feeds drops cards at once) is one too: it queues
  its own after-commit part, which a rollback drops.
- after commit (`durable=False`): best effort. Queued with transaction.on_commit
  (robust: one failing subscriber neither stops the others nor the request), so a
  rolled-back transaction, or savepoint, discards it, and a crash between the
  commit and the callback loses it. Cache and timeline forgets, live counters.

Events carry ids and flags only (frozen, picklable), never model instances, and are
bulk-aware: a roster sync that adds 500 members sends one MembershipsChanged with
500 entries, and a single join sends the same event with one, so both have the
same effects by construction.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from django.db import transaction

# --- the events ---------------------------------------------------------------------

@dataclass(frozen=True)
class PostPublished:
    """A post was created (a repost or a shared resource's post too)."""
    post_id: int
    author_id: int
    group_id: int | None
    school_id: int | None  # the author's school when posting


@dataclass(frozen=True)
class PostCountersChanged:
    """A post's like or comment count moved (a like, an unlike, a comment added or
    deleted)."""
    post_id: int


@dataclass(frozen=True)
class CommentAdded:
    comment_id: int
    post_id: int


@dataclass(frozen=True)
class Member:
    """One membership of a MembershipsChanged."""
    membership_id: int
    group_id: int
    user_id: int


@dataclass(frozen=True)
class MembershipsChanged:
    """People joined or left groups: a join, a leave, a removal, a ban, a roster sync.

    group_deleted: the memberships ended because their group was deleted (nobody is
    left to tell about them, but sockets and caches must still let go)."""
    joined: tuple[Member, ...] = ()
    left: tuple[Member, ...] = ()
    group_deleted: bool = False

    @classmethod
    def of(cls, joined=(), left=(), group_deleted: bool = False) -> MembershipsChanged:
        """From Membership rows (anything with pk, group_id and user_id)."""
        def members(rows) -> tuple[Member, ...]:
            return tuple(Member(m.pk, m.group_id, m.user_id) for m in rows)

        return cls(joined=members(joined), left=members(left), group_deleted=group_deleted)


@dataclass(frozen=True)
class FollowChanged:
    follower_id: int
    followee_id: int
    following: bool  # True: a new follow; False: an unfollow


@dataclass(frozen=True)
class BlockChanged:
    """`blocker` blocked (or unblocked) `blocked`: what the blocker sees changes. Follows
    the block ended are announced as FollowChanged of their own."""
    blocker_id: int
    blocked_id: int
    blocking: bool  # True: a new block; False: unblocked


@dataclass(frozen=True)
class PeopleChanged:
    """Users written in bulk (names, school, verification), which send no post_save.

    school_changed: their school or its verification moved, which opens or closes
    school-only posts."""
    user_ids: tuple[int, ...]
    school_changed: bool = True


@dataclass(frozen=True)
class MinorsModeBegan:
    """Minors mode began for these people (their school marked them, or they entered a
    birth date under 18): what they published for everyone is narrowed (feeds)."""
    user_ids: tuple[int, ...]


@dataclass(frozen=True)
class ResourceShared:
    share_id: int
    resource_id: int


@dataclass(frozen=True)
class ResourceRated:
    """A rating was made or changed."""
    rating_id: int
    resource_id: int


@dataclass(frozen=True)
class NotificationsStored:
    """Notification rows of one event exist now (sent by the delivery task)."""
    recipient_ids: tuple[int, ...]
    event_key: str


@dataclass(frozen=True)
class NotificationsRead:
    """Some of a person's notifications were marked read (their unread count fell)."""
    user_id: int


@dataclass(frozen=True)
class ReportFiled:
    """Someone reported a target (moderation.report_content); its case is open."""
    case_id: int
    report_id: int


@dataclass(frozen=True)
class ContentHeld:
    """A case's content waits for a moderator (a `review` word, pre-moderation, or hidden
    after reports): webhook `content.held`."""
    case_id: int


@dataclass(frozen=True)
class ContentStateChanged:
    """A content row's `moderation` state changed (moderation.targets.set_state): caches,
    timelines and the search index forget or restore it. model_label: "feeds.post"."""
    model_label: str
    target_id: int
    state: str


@dataclass(frozen=True)
class ModerationDecided:
    """A moderator decided a case (or its appeal)."""
    case_id: int
    moderator_id: int
    decision: str


@dataclass(frozen=True)
class CheckinClosed:
    """A class check-in (classroom) closed: its absent are written, its attendance final.
    Webhook `checkin.closed`."""
    checkin_id: int
    group_id: int
    school_id: int | None


@dataclass(frozen=True)
class PollClosed:
    """A poll reached its deadline (sent once, by whoever closed it first): webhook
    `poll.closed`."""
    poll_id: int
    post_id: int
    group_id: int | None
    school_id: int | None  # the post's author's school when posting


@dataclass(frozen=True)
class MessageSent:
    """A message reached a conversation (messages app): its readers are told live.
    recipient_ids: the participants it is for (not its sender)."""
    message_id: int
    conversation_id: int
    sender_id: int
    recipient_ids: tuple[int, ...]


@dataclass(frozen=True)
class MessageRecalled:
    """Its sender recalled a message (消息已撤回): every participant's screen follows."""
    message_id: int
    conversation_id: int
    participant_ids: tuple[int, ...]


@dataclass(frozen=True)
class MessagesRead:
    """A person read a conversation: their unread badge fell (every open tab follows)."""
    user_id: int
    conversation_id: int


# --- subscribing and sending ----------------------------------------------------------

Handler = Callable[[Any], None]


@dataclass(frozen=True)
class _Subscriber:
    handler: Handler
    durable: bool


_subscribers: dict[type, list[_Subscriber]] = {}


def subscribe(event_type: type, handler: Handler, *, durable: bool) -> None:
    """Call handler(event) for each `event_type` sent: inside the sender's transaction
    when durable (only enqueue work there), else after its commit. Subscribing the
    same handler twice keeps one."""
    subscribers = _subscribers.setdefault(event_type, [])
    if not any(s.handler is handler for s in subscribers):
        subscribers.append(_Subscriber(handler, durable))


def subscribers(event_type: type) -> list[tuple[Handler, bool]]:
    """(handler, durable) of every subscriber of `event_type`, in subscription order."""
    return [(s.handler, s.durable) for s in _subscribers.get(event_type, [])]


def send(event: Any) -> None:
    """Announce `event` from the service that made the change, inside its transaction.
    Durable subscribers run now (an error rolls the change back: the outbox must not
    miss it); the others once the transaction commits, each once per equal event (a
    transaction that moves one post's counters several times pushes them once)."""
    for subscriber in _subscribers.get(type(event), []):
        if subscriber.durable:
            subscriber.handler(event)
        elif not _pending(subscriber.handler, event):
            transaction.on_commit(partial(subscriber.handler, event), robust=True)


def _pending(handler: Handler, event: Any) -> bool:
    """Whether handler(event) already waits for this commit, queued in this savepoint or
    one around it (so a rollback that discards it discards the caller's change too)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return False
    current = set(connection.savepoint_ids)
    for savepoint_ids, func, _robust in connection.run_on_commit:
        if (isinstance(func, partial) and func.func is handler and func.args == (event,)
                and set(savepoint_ids) <= current):
            return True
    return False

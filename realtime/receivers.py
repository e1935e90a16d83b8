"""What the live streams do about domain events (yiban_core/events.py).

- PostPublished (durable): the push is a task enqueued in the sender's transaction
  (outbox), because the recipients are a query over followers or members
  (realtime.tasks.push_new_post);
- PostCountersChanged (after commit): the post's counts are read and sent to
  post.<id>, once per post per transaction (events.send collapses equal events);
- MembershipsChanged, for those who left (left, removed, banned, group deleted, a
  roster sync): their sockets leave group.<id> (events.revoke_group). Durable: a
  task in the sender's transaction, so a crash right after the commit cannot leave
  a former member listening; and at once after the commit too, in this process,
  which is the only way on the embedded in-memory channel layer (a worker's
  messages do not reach daphne's sockets there). Revoking twice is harmless;
- NotificationsStored (after commit, sent by the delivery task): pushed to
  user.<recipient> with the unread count, except to a minor in quiet hours
  (yiban_core.notifications.rules);
- NotificationsRead (after commit): the new unread count to user.<id>, so the
  badge of every open tab drops when one tab opens 通知.
- MessageSent, MessageRecalled, MessagesRead (after commit, in the sender's process, so
  the embedded default needs no worker or Redis to be live): the message's id to
  user.<id> of each recipient with their unread badge; a recall's id to every
  participant; a person's new badge to their tabs. Best effort: a socket that missed one
  catches up with `resume` (after_message) or on its next page load.
"""

from __future__ import annotations

from django.db.models import Count, Q

from realtime import events as live
from yiban_core import events


def push_counters(post_id: int) -> None:
    from feeds.models import Post

    row = Post.objects.filter(pk=post_id).values_list("like_count", "comment_count").first()
    if row is not None:
        live.send_counters(post_id=post_id, like_count=row[0], comment_count=row[1])


def on_counters_changed(event: events.PostCountersChanged) -> None:
    push_counters(event.post_id)


def on_post_published(event: events.PostPublished) -> None:
    from realtime.tasks import push_new_post

    push_new_post.enqueue(post_id=event.post_id)


def _left_pairs(event: events.MembershipsChanged) -> list[list[int]]:
    return [[m.user_id, m.group_id] for m in event.left]


def revoke_later(event: events.MembershipsChanged) -> None:
    if event.left:
        from realtime.tasks import revoke_group_streams

        revoke_group_streams.enqueue(pairs=_left_pairs(event))


def revoke_now(event: events.MembershipsChanged) -> None:
    for user_id, group_id in _left_pairs(event):
        live.revoke_group(user_id=user_id, group_id=group_id)


def on_notifications_stored(event: events.NotificationsStored) -> None:
    from yiban_core.notifications.models import Notification
    from yiban_core.notifications.rules import held_recipients

    held = held_recipients(event.recipient_ids)  # minors in quiet hours: stored, not pushed
    recipient_ids = [rid for rid in event.recipient_ids if rid not in held]
    if not recipient_ids:
        return
    rows = list(Notification.objects.filter(recipient_id__in=recipient_ids,
                                            event_key=event.event_key)
                .values_list("recipient_id", "pk", "kind"))
    unread = dict(Notification.objects.filter(recipient_id__in=recipient_ids)
                  .values("recipient_id")
                  .annotate(n=Count("pk", filter=Q(read_at__isnull=True)))
                  .values_list("recipient_id", "n"))
    live.send_notifications((rid, pk, kind, unread.get(rid, 0)) for rid, pk, kind in rows)


def on_notifications_read(event: events.NotificationsRead) -> None:
    from yiban_core.notifications.models import Notification

    unread = Notification.objects.filter(recipient_id=event.user_id, read_at__isnull=True).count()
    live.send_unread(user_id=event.user_id, unread_count=unread)


def on_message_sent(event: events.MessageSent) -> None:
    from messages.selectors import unread_totals

    if not event.recipient_ids:
        return
    unread = unread_totals(event.recipient_ids)
    live.send_message_events((uid, event.message_id, event.conversation_id, unread.get(uid, 0))
                             for uid in event.recipient_ids)


def on_message_recalled(event: events.MessageRecalled) -> None:
    live.send_message_recalled(message_id=event.message_id,
                               conversation_id=event.conversation_id,
                               user_ids=event.participant_ids)


def on_messages_read(event: events.MessagesRead) -> None:
    from messages.selectors import unread_totals

    live.send_messages_unread(user_id=event.user_id,
                              unread_count=unread_totals([event.user_id]).get(event.user_id, 0))


def connect() -> None:
    events.subscribe(events.PostPublished, on_post_published, durable=True)
    events.subscribe(events.PostCountersChanged, on_counters_changed, durable=False)
    events.subscribe(events.MembershipsChanged, revoke_later, durable=True)
    events.subscribe(events.MembershipsChanged, revoke_now, durable=False)
    events.subscribe(events.NotificationsStored, on_notifications_stored, durable=False)
    events.subscribe(events.NotificationsRead, on_notifications_read, durable=False)
    events.subscribe(events.MessageSent, on_message_sent, durable=False)
    events.subscribe(events.MessageRecalled, on_message_recalled, durable=False)
    events.subscribe(events.MessagesRead, on_messages_read, durable=False)

"""Where live events are caused: signals of the apps below, sent after commit.

- a notification stored (yiban_core.notifications.signals.notifications_stored,
  sent by the delivery task after the rows exist): pushed to user.<recipient>;
- a post created (post_save): the push is a task enqueued in the same
  transaction (outbox), because the recipients are a query over followers or
  members (realtime.tasks.push_new_post);
- a like or comment added or removed (post_save / post_delete of PostLike and
  Comment): the post's counts are read after commit and sent to post.<id>, once
  per post per transaction;
- a membership ended (post_delete of Membership: left, removed, banned, group
  deleted): the user's sockets leave group.<id> (events.revoke_group).
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import Count, Q
from django.db.models.signals import post_delete, post_save

from realtime import events


def _on_commit_once(key: str, callback) -> None:
    """Register callback after commit unless one for the same key is waiting already:
    deleting a post with 500 comments must not send its counters 500 times. The
    pending list is the connection's own, so a rollback forgets it too."""
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        for _sids, func, _robust in connection.run_on_commit:
            if getattr(func, "realtime_key", None) == key:
                return
    callback.realtime_key = key
    transaction.on_commit(callback, robust=True)


def push_counters(post_id: int) -> None:
    from feeds.models import Post

    row = Post.objects.filter(pk=post_id).values_list("like_count", "comment_count").first()
    if row is not None:
        events.send_counters(post_id=post_id, like_count=row[0], comment_count=row[1])


def on_counter_change(sender, instance, **kwargs) -> None:
    if kwargs.get("created") is False:  # an edit, not a new row
        return
    post_id = instance.post_id

    def push() -> None:
        push_counters(post_id)

    _on_commit_once(f"counters:{post_id}", push)


def on_post_created(sender, instance, created: bool, **kwargs) -> None:
    if created and not kwargs.get("raw"):
        from realtime.tasks import push_new_post

        push_new_post.enqueue(post_id=instance.pk)


def on_membership_ended(sender, instance, **kwargs) -> None:
    user_id, group_id = instance.user_id, instance.group_id
    transaction.on_commit(lambda: events.revoke_group(user_id=user_id, group_id=group_id),
                          robust=True)


def on_notifications_stored(sender, *, recipient_ids, event_key: str, **kwargs) -> None:
    recipient_ids = list(recipient_ids)

    def push() -> None:
        from yiban_core.notifications.models import Notification

        rows = list(Notification.objects.filter(recipient_id__in=recipient_ids,
                                                event_key=event_key)
                    .values_list("recipient_id", "pk", "kind"))
        unread = dict(Notification.objects.filter(recipient_id__in=recipient_ids)
                      .values("recipient_id")
                      .annotate(n=Count("pk", filter=Q(read_at__isnull=True)))
                      .values_list("recipient_id", "n"))
        events.send_notifications((rid, pk, kind, unread.get(rid, 0)) for rid, pk, kind in rows)

    transaction.on_commit(push, robust=True)


def connect() -> None:
    from feeds.models import Comment, Post, PostLike
    from yiban_core.groups.models import Membership
    from yiban_core.notifications.signals import notifications_stored

    for model in (PostLike, Comment):
        post_save.connect(on_counter_change, sender=model, dispatch_uid=f"realtime.{model}.save")
        post_delete.connect(on_counter_change, sender=model,
                            dispatch_uid=f"realtime.{model}.delete")
    post_save.connect(on_post_created, sender=Post, dispatch_uid="realtime.post")
    post_delete.connect(on_membership_ended, sender=Membership, dispatch_uid="realtime.member")
    notifications_stored.connect(on_notifications_stored, dispatch_uid="realtime.notifications")

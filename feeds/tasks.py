"""Work after a post is committed: fan-out, mention and announcement notifications
(timeline rebuilds are in feeds/timeline_rebuild.py). Each task is idempotent: ZADD of
the same id and notifications keyed by their event do no harm when run twice."""

import logging

from django.conf import settings
from django_tasks import task
from redis.exceptions import RedisError

from feeds import retry, timeline_store
from feeds.models import Comment, Post, Visibility
from feeds.selectors import can_see_post
from feeds.timeline_rebuild import merged_at_read_time
from yiban_core.accounts.models import Follow, User
from yiban_core.actor import Actor
from yiban_core.groups.models import Membership
from yiban_core.notifications.models import Notification
from yiban_core.notifications.services import notify

log = logging.getLogger(__name__)


def fan_out_recipients(post: Post) -> list[int]:
    """Whose home timeline a post goes into by fan-out (big groups are merged at read time):
    never one of those who blocked the author (their pages would drop it anyway, and their
    live "new posts" bar would count it; unblocking rebuilds their timeline)."""
    if post.group_id is not None:
        if merged_at_read_time(post.group):
            return [post.author_id]
        return list(Membership.objects.filter(group_id=post.group_id)
                    .exclude(user__blocking_set__blocked_id=post.author_id)
                    .values_list("user_id", flat=True))
    followers = Follow.objects.filter(followee_id=post.author_id)
    if post.visibility == Visibility.SCHOOL:
        followers = followers.filter(follower__school_id=post.school_id,
                                     follower__verified_at__isnull=False)
    return [post.author_id, *followers.values_list("follower_id", flat=True)]


@task()
def fan_out_post(*, post_id: int, attempt: int = 0, since: float | None = None) -> int:
    """Into the timelines that exist; tried again later when Redis fails (feeds/retry.py)."""
    post = Post.objects.select_related("group").filter(pk=post_id).first()
    if post is None:  # deleted before the worker got to it
        return 0
    keys = [timeline_store.key(user_id) for user_id in fan_out_recipients(post)]
    if post.group_id is not None and merged_at_read_time(post.group):
        keys.append(timeline_store.group_key(post.group_id))
    try:
        return timeline_store.fan_out(post.pk, keys)
    except RedisError:
        log.warning("fan-out of post %s failed; trying again later", post_id, exc_info=True)
        retry.later(fan_out_post, give_up_after_s=settings.FEED_TIMELINE_TTL_S,
                    attempt=attempt, since=since, post_id=post_id)
        return 0


@task()
def notify_visible_mentions(*, post_id: int, user_ids: list[int],
                            comment_id: int | None = None) -> None:
    """Notify those mentioned who may see the post: a mention never leaks a private post."""
    post = Post.objects.filter(pk=post_id).first()
    if post is None:
        return
    author_id = post.author_id
    if comment_id is not None:
        comment = Comment.objects.filter(pk=comment_id).first()
        if comment is None:
            return
        author_id, key = comment.author_id, f"mention:comment:{comment_id}"
    else:
        key = f"mention:post:{post_id}"
    recipients = [user.pk for user in User.objects.filter(pk__in=user_ids, is_active=True)
                  if can_see_post(Actor.for_user(user), post)]
    notify(recipient_ids=recipients, kind=Notification.Kind.MENTIONED, actor_id=author_id,
           event_key=key, target=post, detail_id=comment_id)


@task()
def announce(*, post_id: int, actor_id: int) -> None:
    post = Post.objects.filter(pk=post_id, pinned_at__isnull=False).first()
    if post is None:
        return
    members = Membership.objects.filter(group_id=post.group_id).values_list("user_id", flat=True)
    notify(recipient_ids=list(members), kind=Notification.Kind.ANNOUNCEMENT, actor_id=actor_id,
           group_id=post.group_id, event_key=f"announcement:{post.pk}:{post.pinned_at.timestamp()}",
           target=post)


@task()
def notify_everyone(*, post_id: int) -> None:
    """@所有人 in a group post: every member of the group (the author aside), as a mention."""
    post = Post.objects.filter(pk=post_id, group__isnull=False).first()
    if post is None:
        return
    members = Membership.objects.filter(group_id=post.group_id).values_list("user_id", flat=True)
    notify(recipient_ids=list(members), kind=Notification.Kind.MENTIONED,
           actor_id=post.author_id, group_id=post.group_id,
           event_key=f"mention:post:{post.pk}", target=post)


@task()
def narrow_minors_posts(*, user_ids: list[int]) -> int:
    """Minors mode began for these people: their public posts narrowed (idempotent)."""
    from feeds.minors import narrow_minors_posts as narrow

    return narrow(user_ids=user_ids)


@task()
def close_due_polls() -> int:
    """Close the polls past their deadline (periodic; each sends poll.closed once)."""
    from feeds.poll_services import close_due_polls as close

    return close()


# Retries queued before these tasks moved next to what they retry still find them.
from feeds.cards import forget_cards  # noqa: E402, F401
from feeds.timeline_rebuild import rebuild_group_timeline, rebuild_home_timeline  # noqa: E402, F401
from feeds.timeline_store import forget_timeline  # noqa: E402, F401

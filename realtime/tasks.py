"""Pushes that need a query over many people, run by the task worker after commit."""

from django_tasks import task

from realtime import events


@task()
def push_new_post(*, post_id: int) -> int:
    """Announce a new post: to group.<gid> for a group post, and to home.<uid> of each
    person it is fanned out to (the same people feeds.tasks.fan_out_recipients puts it
    in front of). Groups merged at read time (big ones, a school's official channel)
    reach home viewers through group.<gid>, which a home subscription joins for them.
    Idempotent enough: a repeated announcement names the same post id, and the client
    counts distinct ids."""
    from feeds.models import Post
    from feeds.tasks import fan_out_recipients
    from yiban_core.moderation.models import ContentState

    post = Post.objects.select_related("group").filter(pk=post_id).first()
    if post is None or post.moderation != ContentState.VISIBLE:
        return 0  # held by moderation: not even its id goes out ("1 new post")
    recipients = fan_out_recipients(post)
    events.send_new_post(post_id=post.pk, group_id=post.group_id, home_user_ids=recipients)
    return len(recipients)


@task()
def revoke_group_streams(*, pairs: list[list[int]]) -> int:
    """The sockets of each (user id, group id) leave group.<gid>: the durable half of a
    departure (realtime/receivers.py). Idempotent: leaving twice is leaving."""
    for user_id, group_id in pairs:
        events.revoke_group(user_id=user_id, group_id=group_id)
    return len(pairs)

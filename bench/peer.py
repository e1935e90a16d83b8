"""The peer: django-activity-stream (actstream), fed the same graph and posts as ours.

Mapping, one to one with the benchmark's data:

- each accounts Follow becomes an actstream Follow of the followed User
  (actor_only, actstream's default: you see what that user does);
- each group membership, and every user's own school's official group (our home
  timeline shows it whether or not they joined), becomes a Follow of the Group
  with actor_only=False: you see actions whose target is the group;
- each Post becomes one Action: actor = author, verb, action_object = the post,
  target = its group (if any), timestamp = the post's created_at.

The home timeline is actstream's own `user_stream(user, with_user_activity=True)`
(followed actors and targets, and the user's own actions), newest first, first
page of 20, with the actor and the action object fetched the way actstream does
it (generic prefetch). actstream checks no visibility at all, so it does less
work than ours: it is the floor a Django developer gets out of the box.
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.db import connection

from feeds.models import Post
from yiban_core.accounts.models import User
from yiban_core.groups.models import Group

VERB = "发布了"


def load() -> dict[str, int]:
    from actstream import registry
    from actstream.models import Action, Follow

    registry.register(User, Post, Group)
    ct_user, ct_post, ct_group = (ContentType.objects.get_for_model(m).pk
                                  for m in (User, Post, Group))
    follow, action = Follow._meta.db_table, Action._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {follow} (user_id, content_type_id, object_id, actor_only, flag, started)"
            " SELECT follower_id, %s, followee_id::text, true, '', created_at"
            " FROM accounts_follow", [ct_user])
        cursor.execute(
            f"INSERT INTO {follow} (user_id, content_type_id, object_id, actor_only, flag, started)"
            " SELECT user_id, %s, group_id::text, false, '', joined_at FROM groups_membership",
            [ct_group])
        cursor.execute(
            f"INSERT INTO {follow} (user_id, content_type_id, object_id, actor_only, flag, started)"
            " SELECT u.id, %s, g.id::text, false, '', now() FROM accounts_user u"
            " JOIN groups_group g ON g.school_id = u.school_id AND g.kind = 'school'"
            " ON CONFLICT DO NOTHING", [ct_group])
        cursor.execute(
            f"INSERT INTO {action} (actor_content_type_id, actor_object_id, verb,"
            " target_content_type_id, target_object_id, action_object_content_type_id,"
            " action_object_object_id, timestamp, public)"
            " SELECT %s, author_id::text, %s, CASE WHEN group_id IS NULL THEN NULL ELSE %s END,"
            " group_id::text, %s, id::text, created_at, true FROM feeds_post ORDER BY id",
            [ct_user, VERB, ct_group, ct_post])
        cursor.execute(f"ANALYZE {follow}")
        cursor.execute(f"ANALYZE {action}")
    return {"follows": Follow.objects.count(), "actions": Action.objects.count()}


def home_page(user: User, first: int = 20) -> list[int]:
    """actstream's home stream, first page, with what a card shows; returns the post ids."""
    from actstream.models import user_stream

    ids = []
    for action in user_stream(user, with_user_activity=True)[:first]:
        post = action.action_object
        _ = (action.actor.display_name, action.target, post.like_count, post.comment_count,
             post.repost_count, post.text)
        ids.append(post.pk)
    return ids

"""What a Redis timeline holds when it is rebuilt from the database, and the tasks that
rebuild it.

The selectors read the database path through these functions and schedule a rebuild
when a timeline is missing; this module reads no selector (ids here are candidates:
visibility is checked on the final rows of a page), so the two never import each other.
"""

from __future__ import annotations

from collections.abc import Collection
from heapq import merge

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Q, QuerySet
from django_tasks import task

from feeds import timeline_store
from feeds.models import Post, Visibility
from yiban_core.accounts.models import Block, Follow, User
from yiban_core.groups.models import Group


def merged_at_read_time_kind(kind: str, member_count: int) -> bool:
    """Groups whose posts are not fanned out: big ones (one post must not touch 50,000
    timelines) and a school's official channel, which every user of the school reads,
    members or not."""
    return member_count > settings.FEED_FANOUT_MAX_GROUP or kind == Group.Kind.SCHOOL


def merged_at_read_time(group: Group) -> bool:
    """For a group just loaded (its member count is read, not queried again)."""
    return merged_at_read_time_kind(group.kind, group.member_count)


def home_groups(user: User) -> list[tuple[int, str, int]]:
    """(id, kind, member count) of the user's groups and their school's official channel."""
    groups = Group.objects.values_list("pk", "kind", "member_count")
    # Two index lookups in one round trip (an OR across the join scans memberships).
    rows = groups.filter(memberships__user=user)
    if user.school_id:
        rows = rows.union(groups.filter(kind=Group.Kind.SCHOOL, school_id=user.school_id))
    return list(rows)


def newest_ids(qs: QuerySet[Post], before: int | None, count: int) -> list[int]:
    if before is not None:
        qs = qs.filter(pk__lt=before)
    return list(qs.order_by("-pk").values_list("pk", flat=True)[:count])


def home_ids(user: User, people_ids: list[int], group_ids: list[int], *,
             before: int | None, count: int, blocked_ids: Collection[int] = ()) -> list[int]:
    """Newest ids first: posts of these people (the user and whom they follow) outside
    groups, and the given groups' posts but those of `blocked_ids` (whom the user blocked).

    Two queries on plain id lists, merged here: an OR of subqueries makes the
    planner walk the whole table backwards for a user whose friends post rarely.
    Visibility is checked again on the final rows; these only narrow the candidates.
    """
    if connection.vendor == "postgresql" and count <= PER_AUTHOR_MAX:
        streams = [_people_ids_per_author(user, people_ids, before=before, count=count)]
    else:
        school_posts = Q(author_id=user.pk)
        if user.verified_school_id is not None:
            school_posts |= Q(school_id=user.verified_school_id)
        people = Post.objects.filter(author_id__in=people_ids, group__isnull=True).filter(
            ~Q(visibility=Visibility.SCHOOL) | school_posts
        )
        streams = [newest_ids(people, before, count)]
    if group_ids:
        in_groups = Post.objects.filter(group_id__in=group_ids)
        if blocked_ids:
            in_groups = in_groups.exclude(author_id__in=sorted(blocked_ids))
        streams.append(newest_ids(in_groups, before, count))
    return list(merge(*streams, reverse=True))[:count]


PER_AUTHOR_MAX = 100  # a page; a rebuild's thousand ids per author would read too many


def _people_ids_per_author(user: User, people_ids: list[int], *, before: int | None,
                           count: int) -> list[int]:
    """The people stream of home_ids on PostgreSQL: the newest `count` of each author's
    posts outside groups (post_author_newest: a few index entries per author), merged.
    `author_id IN (...) ORDER BY id DESC` walks the primary key backwards instead, past
    every post of everyone else until it finds `count` (100,000 rows at 2 million posts
    for a user whose friends post rarely)."""
    if not people_ids:
        return []
    table = connection.ops.quote_name(Post._meta.db_table)
    school = " OR school_id = %s" if user.verified_school_id is not None else ""
    older = " AND id < %s" if before is not None else ""
    params: list = [sorted(set(people_ids)), Visibility.SCHOOL, user.pk]
    params += [user.verified_school_id] if school else []
    params += [before] if older else []
    params += [count, count]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT p.id FROM unnest(%s::bigint[]) AS a(author_id) CROSS JOIN LATERAL ("
            f" SELECT id FROM {table} WHERE author_id = a.author_id AND group_id IS NULL"
            f" AND (visibility <> %s OR author_id = %s{school}){older}"
            f" ORDER BY id DESC LIMIT %s) p ORDER BY p.id DESC LIMIT %s", params)
        return [row[0] for row in cursor.fetchall()]


def home_ids_for_rebuild(user: User, *, count: int) -> list[int]:
    """What a rebuilt Redis timeline holds: the newest `count` ids, large groups aside."""
    followees = Follow.objects.filter(follower=user).values_list("followee_id", flat=True)
    fanned = sorted({pk for pk, kind, members in home_groups(user)
                     if not merged_at_read_time_kind(kind, members)})
    blocked = Block.objects.filter(blocker=user).values_list("blocked_id", flat=True)
    return home_ids(user, [*followees, user.pk], fanned, before=None, count=count,
                    blocked_ids=list(blocked))


def group_ids_for_rebuild(group_id: int, *, count: int) -> list[int]:
    """What a rebuilt Redis timeline of a group merged at read time holds."""
    return newest_ids(Post.objects.filter(group_id=group_id), None, count)


def _rebuild(k: str, newest) -> int:
    if not timeline_store.start_rebuild(k):
        return 0
    cap = settings.FEED_TIMELINE_CAP
    ids = newest(cap)
    timeline_store.finish_rebuild(k, ids, complete=len(ids) < cap)
    return len(ids)


@task()
def rebuild_home_timeline(*, user_id: int) -> int:
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    return _rebuild(timeline_store.key(user_id),
                    lambda count: home_ids_for_rebuild(user, count=count))


@task()
def rebuild_group_timeline(*, group_id: int) -> int:
    """The timeline of a group merged at read time."""
    return _rebuild(timeline_store.group_key(group_id),
                    lambda count: group_ids_for_rebuild(group_id, count=count))


def schedule_home(user_id: int) -> None:
    _schedule(timeline_store.key(user_id), rebuild_home_timeline, user_id=user_id)


def schedule_group(group_id: int) -> None:
    _schedule(timeline_store.group_key(group_id), rebuild_group_timeline, group_id=group_id)


def _schedule(key: str, rebuild, **task_args) -> None:
    # The claim keeps one rebuild per timeline at a time; with Redis down it is per
    # process (yiban_core/cache.py), and needs_rebuild() says False anyway.
    if timeline_store.needs_rebuild(key) and cache.add(f"tl-rebuild:{key}", 1,
                                                        settings.FEED_REBUILD_LEASE_S):
        rebuild.enqueue(**task_args)

"""Groups ranked by activity: posts in the window (today, this week, this month,
all time), over the site or a school. Private groups are left off the board.
Redis sorted sets when Redis is there, else the database; both order by posts,
then the lower group id."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Count, F

from feeds.models import Post
from yiban_core.accounts.models import School
from yiban_core.actor import Actor
from yiban_core.credits import board_store
from yiban_core.credits.windows import WINDOWS, bucket, window_start
from yiban_core.groups import selectors as group_selectors
from yiban_core.groups.models import Group


def _key(scope: str, window: str, when: datetime | None = None) -> str:
    return f"yb:lb:groups:{scope}:{window}:{bucket(window, when)}"


def record_post(group: Group, when: datetime) -> None:
    if group.is_private:
        return
    scopes = ["site"] + ([f"school{group.school_id}"] if group.school_id else [])
    board_store.increment_after_commit([(_key(s, w, when), group.pk, 1, w != "all")
                                        for s in scopes for w in WINDOWS])


def _db_rows(window: str, school_id=None):
    posts = Post.objects.filter(group__isnull=False, group__is_private=False)
    start = window_start(window)
    if start is not None:
        posts = posts.filter(created_at__gte=start)
    if school_id:
        posts = posts.filter(group__school_id=school_id)
    return (posts.values(pk=F("group_id")).annotate(points=Count("id"))
            .order_by("-points", "group_id"))


def top(*, window: str = "week", count: int = 20, school_id=None,
        use_redis: bool = True) -> list[tuple[int, int]]:
    if use_redis:
        rows = board_store.top(_key(f"school{school_id}" if school_id else "site", window), count)
        if rows is not None:
            return [(pk, int(points)) for pk, points in rows]
    return [(row["pk"], row["points"]) for row in _db_rows(window, school_id)[:count]]


def rebuild(*, missing_only: bool = False) -> int:
    scopes = [("site", None)] + [(f"school{pk}", pk)
                                 for pk in School.objects.values_list("pk", flat=True)]
    count = 0
    for scope, school_id in scopes:
        for window in WINDOWS:
            def rows(window=window, school_id=school_id):
                return [(r["pk"], r["points"]) for r in _db_rows(window, school_id)]
            count += board_store.replace(_key(scope, window), rows, expires=window != "all",
                                         missing_only=missing_only)
    return count


def leaderboard(*, actor: Actor, window: str = "week", count: int = 20,
                school_id=None) -> list[tuple[int, Group, int]]:
    """[(rank, group, points)]: the board as the viewer may see it, for the page and the
    API alike. Private groups are left off, also one made private since its posts were
    counted (Redis keeps it until the board is rebuilt); ranks count the rows shown."""
    ranked = top(window=window, count=count, school_id=school_id)
    found = (group_selectors.groups(actor=actor).filter(is_private=False)
             .in_bulk([pk for pk, _points in ranked]))
    shown = [(pk, points) for pk, points in ranked if pk in found]
    return [(rank, found[pk], points) for rank, (pk, points) in enumerate(shown, start=1)]

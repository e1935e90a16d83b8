"""People ranked by points: over the site, a school or a group; today, this week,
this month or all time. Redis sorted sets when Redis is there (updated as points
are booked), else the database; both rank by points, then the lower user id.

Redis holds the site and per-school boards for each window; a group's board is
read from the site board with one ZMSCORE for its members.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet, Sum

from yiban_core.accounts.models import School, User
from yiban_core.credits import board_store
from yiban_core.credits.models import PointBalance, PointEntry
from yiban_core.credits.windows import WINDOWS, bucket, window_start
from yiban_core.groups.models import Membership


@dataclass(frozen=True)
class Ranked:
    user_id: int
    points: int
    rank: int


def _key(scope: str, window: str, when: datetime | None = None) -> str:
    return f"yb:lb:people:{scope}:{window}:{bucket(window, when)}"


def record_points(user_id: int, amount: int, when: datetime) -> None:
    school_id = User.objects.filter(pk=user_id).values_list("school_id", flat=True).first()
    scopes = ["site"] + ([f"school{school_id}"] if school_id else [])
    board_store.increment([
        (_key(scope, window, when), user_id, amount, window != "all")
        for scope in scopes for window in WINDOWS
    ])


# --- the database path ------------------------------------------------------------------


def _totals(window: str, *, school_id=None, group_id=None) -> QuerySet:
    """user_id, points for every user with points in the window (and scope), best first."""
    start = window_start(window)
    if start is None:  # all time: the running balances
        qs = PointBalance.objects.filter(total__gt=0).annotate(points=F("total"))
    else:
        qs = (PointEntry.objects.filter(created_at__gte=start).values("user_id")
              .annotate(points=Sum("amount")).filter(points__gt=0))
    if school_id:
        qs = qs.filter(user__school_id=school_id)
    if group_id:
        qs = qs.filter(user__memberships__group_id=group_id)
    return qs.values("user_id", "points").order_by("-points", "user_id")


def _db_top(window: str, count: int, **scope) -> list[tuple[int, int]]:
    return [(row["user_id"], row["points"]) for row in _totals(window, **scope)[:count]]


def _db_rank(window: str, user_id: int, **scope) -> tuple[int | None, int]:
    totals = _totals(window, **scope)
    mine = totals.filter(user_id=user_id).first()
    if mine is None:
        return None, 0
    points = mine["points"]
    ahead = totals.filter(Q(points__gt=points) | Q(points=points, user_id__lt=user_id)).count()
    return ahead + 1, points


# --- reading a board ---------------------------------------------------------------------


def top(*, window: str, count: int = 100, school_id=None, group_id=None,
        use_redis: bool = True) -> list[Ranked]:
    rows = None
    if use_redis and group_id is None:
        rows = board_store.top(_key(f"school{school_id}" if school_id else "site", window), count)
    elif use_redis:
        rows = _group_rows_from_redis(window, group_id, count)
    if rows is None:
        rows = _db_top(window, count, school_id=school_id, group_id=group_id)
    return [Ranked(user_id=u, points=int(p), rank=i) for i, (u, p) in enumerate(rows, start=1)]


def _group_member_ids(group_id) -> list[int]:
    return list(Membership.objects.filter(group_id=group_id).values_list("user_id", flat=True))


def _group_rows_from_redis(window: str, group_id, count: int | None):
    found = board_store.scores(_key("site", window), _group_member_ids(group_id))
    if found is None:
        return None
    rows = sorted(((u, p) for u, p in found.items() if p > 0), key=lambda r: (-r[1], r[0]))
    return rows if count is None else rows[:count]


def rank_of(*, user_id: int, window: str, school_id=None, group_id=None,
            use_redis: bool = True) -> tuple[int | None, int]:
    """(rank, points) of one user, even far outside the top; (None, 0) when unranked."""
    if use_redis and group_id is None:
        found = board_store.rank(_key(f"school{school_id}" if school_id else "site", window),
                                 user_id)
        if found is not None:
            return found[0], int(found[1])
    elif use_redis:
        rows = _group_rows_from_redis(window, group_id, None)
        if rows is not None:
            for position, (u, p) in enumerate(rows, start=1):
                if u == user_id:
                    return position, int(p)
            return None, 0
    return _db_rank(window, user_id, school_id=school_id, group_id=group_id)


# Apps above the core add the rebuild of their own boards here (in AppConfig.ready).
REBUILDERS: list = []


def rebuild_all() -> dict[str, int]:
    """Every board, people and those the apps registered: `manage.py rebuild_leaderboards`."""
    done = {"people": rebuild()}
    for name, rebuild_board in REBUILDERS:
        done[name] = rebuild_board()
    return done


def rebuild() -> int:
    """Recompute every Redis people board from the ledger (after Redis lost its data)."""
    boards = 0
    for window in WINDOWS:
        scopes = [("site", None)] + [(f"school{pk}", pk)
                                     for pk in School.objects.values_list("pk", flat=True)]
        for scope, school_id in scopes:
            rows = [(r["user_id"], r["points"]) for r in _totals(window, school_id=school_id)]
            board_store.replace(_key(scope, window), rows, expires=window != "all")
            boards += 1
    return boards

"""People ranked by points: over the site, a school or a group; today, this week,
this month or all time. Redis sorted sets when Redis is there (updated as points
are booked), else the database; both rank by points, then the lower user id.

Redis holds the site and per-school boards for each window; a group's board is
read from the site board with one ZMSCORE for its members.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Q, QuerySet

from yiban_core.accounts.models import School, User
from yiban_core.credits import board_store
from yiban_core.credits.models import PointBalance, PointPeriodTotal
from yiban_core.credits.windows import WINDOWS, bucket, window_start
from yiban_core.groups.models import Group, Membership


@dataclass(frozen=True)
class Ranked:
    user_id: int
    points: int
    rank: int


def _key(scope: str, window: str, when: datetime | None = None) -> str:
    return f"yb:lb:people:{scope}:{window}:{bucket(window, when)}"


def record_points(user_id: int, amount: int, when: datetime) -> None:
    """Inside the transaction that books the points: the boards move when it commits."""
    school_id = User.objects.filter(pk=user_id).values_list("school_id", flat=True).first()
    scopes = ["site"] + ([f"school{school_id}"] if school_id else [])
    board_store.increment_after_commit([
        (_key(scope, window, when), user_id, amount, window != "all")
        for scope in scopes for window in WINDOWS
    ])


# --- the database path ------------------------------------------------------------------


def _totals(window: str, *, school_id=None, group_id=None, positive: bool = True) -> QuerySet:
    """user_id, points for every user with points in the window (and scope), best first.
    Only positive totals rank; a rebuild also carries the others (a day can be negative
    when content earlier in the window was deleted), so later awards add up right."""
    start = window_start(window)
    if start is None:  # all time: the running balances
        qs = PointBalance.objects.annotate(points=F("total"))
    else:
        qs = PointPeriodTotal.objects.filter(period=window, starts=start.date()).annotate(
            points=F("total"))
    qs = qs.filter(points__gt=0) if positive else qs.exclude(points=0)
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


GROUP_BOARD_REDIS_MAX = 2000  # larger groups are ranked by the database


def _group_rows_from_redis(window: str, group_id, count: int | None):
    size = Group.objects.filter(pk=group_id).values_list("member_count", flat=True).first()
    if not size or size > GROUP_BOARD_REDIS_MAX:
        return None
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


def rebuild_all(*, missing_only: bool = False) -> dict[str, int]:
    """Every board, people and those the apps registered: `manage.py rebuild_leaderboards`;
    with `missing_only`, those that are not complete (credits/tasks.py)."""
    done = {"people": rebuild(missing_only=missing_only)}
    for name, rebuild_board in REBUILDERS:
        done[name] = rebuild_board(missing_only=missing_only)
    return done


def rebuild(*, missing_only: bool = False) -> int:
    """Recompute the Redis people boards from the ledger; how many were rebuilt."""
    boards = 0
    for window in WINDOWS:
        scopes = [("site", None)] + [(f"school{pk}", pk)
                                     for pk in School.objects.values_list("pk", flat=True)]
        for scope, school_id in scopes:
            def rows(window=window, school_id=school_id):
                return [(r["user_id"], r["points"])
                        for r in _totals(window, school_id=school_id, positive=False)]
            boards += board_store.replace(_key(scope, window), rows, expires=window != "all",
                                          missing_only=missing_only)
    return boards

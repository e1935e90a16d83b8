"""People ranked by points: over the site, a school or a group; today, this week,
this month or all time. Redis sorted sets when Redis is there (updated as points
are booked), else the database; both rank by points, then the lower user id.

Redis holds the site and per-school boards for each window, and a board of each
group whose board is read (a campus wall of 50,000 members ranks one member in one
ZRANK, not by reading every member's points). A group's boards are built on their
first read (until then, and whenever one is incomplete, the database answers and the
rebuild task builds it), kept by the awards of its members and by the memberships
that begin and end (MembershipsChanged: a joiner brings their points in each
window, a leaver takes them away), and expire after WINDOW_TTL_S without a change,
like the window boards.

Joins and awards of one person are serialised on their PointBalance row (an award
updates it, a join locks it): whichever commits second sees the other, so a joiner's
points are counted once, by the join (read after the award's commit) or by the award
(which found the membership), never twice nor not at all. Both are additions (an
award adds its points, a join the joiner's total, a leave takes the leaver's total
away), so the order in which their after-commit updates reach Redis does not matter.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from yiban_core import events
from yiban_core.accounts.models import School, User
from yiban_core.credits import board_store
from yiban_core.credits.models import PointBalance, PointPeriodTotal
from yiban_core.credits.windows import WINDOWS, bucket, window_start
from yiban_core.groups.models import Group, Membership
from yiban_core.redis import redis_client


@dataclass(frozen=True)
class Ranked:
    user_id: int
    points: int
    rank: int


def _key(scope: str, window: str, when: datetime | None = None) -> str:
    return f"yb:lb:people:{scope}:{window}:{bucket(window, when)}"


def _group_scope(group_id) -> str:
    return f"group{group_id}"


# Groups whose board was read while incomplete: the rebuild task builds their boards.
WANTED_GROUPS = "yb:lb:people:groups-wanted"


def record_points(user_id: int, amount: int, when: datetime) -> None:
    """Inside the transaction that books the points (which holds the user's PointBalance
    row): the boards move when it commits, the groups' boards too."""
    if redis_client() is None:
        return
    school_id = User.objects.filter(pk=user_id).values_list("school_id", flat=True).first()
    scopes = ["site"] + ([f"school{school_id}"] if school_id else [])
    scopes += [_group_scope(group_id) for group_id in
               Membership.objects.filter(user_id=user_id).values_list("group_id", flat=True)]
    # A group's all-time board expires too when unused (it is rebuilt when read again).
    board_store.increment_after_commit([
        (_key(scope, window, when), user_id, amount, window != "all" or scope[0] == "g")
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


def _board_key(window: str, school_id=None, group_id=None) -> str:
    if group_id is not None:
        return _key(_group_scope(group_id), window)
    return _key(f"school{school_id}" if school_id else "site", window)


def _wanted(group_id) -> tuple[str, str] | None:
    return None if group_id is None else (WANTED_GROUPS, str(group_id))


def top(*, window: str, count: int = 100, school_id=None, group_id=None,
        use_redis: bool = True) -> list[Ranked]:
    rows = None
    if use_redis:
        rows = board_store.top(_board_key(window, school_id, group_id), count,
                               wanted=_wanted(group_id))
    if rows is None:
        rows = _db_top(window, count, school_id=school_id, group_id=group_id)
    return [Ranked(user_id=u, points=int(p), rank=i) for i, (u, p) in enumerate(rows, start=1)]


def rank_of(*, user_id: int, window: str, school_id=None, group_id=None,
            use_redis: bool = True) -> tuple[int | None, int]:
    """(rank, points) of one user, even far outside the top; (None, 0) when unranked."""
    if use_redis:
        found = board_store.rank(_board_key(window, school_id, group_id), user_id,
                                 wanted=_wanted(group_id))
        if found is not None:
            return found[0], int(found[1])
    return _db_rank(window, user_id, school_id=school_id, group_id=group_id)


# --- keeping the group boards: memberships ---------------------------------------------


def on_memberships_changed(event: events.MembershipsChanged) -> None:
    """Durable subscriber (inside the membership's transaction): a joiner's points in each
    window join the group's boards, a leaver's leave them, when the change commits; a
    deleted group's boards are dropped."""
    if redis_client() is None:
        return
    if event.group_deleted:
        keys = [_key(_group_scope(group_id), window)
                for group_id in {m.group_id for m in event.left} for window in WINDOWS]
        transaction.on_commit(lambda: board_store.drop(keys))
        return
    moves = [(m, 1) for m in event.joined] + [(m, -1) for m in event.left]
    if not moves:
        return
    now = timezone.now()
    points = _current_points({m.user_id for m, _sign in moves}, now)
    changes = []
    for m, sign in moves:
        for window in WINDOWS:
            amount = points.get((m.user_id, window), 0)
            if amount:
                changes.append((_key(_group_scope(m.group_id), window, now), m.user_id,
                                sign * amount, True))
    if changes:
        board_store.increment_after_commit(changes)


def _current_points(user_ids: set[int], now: datetime) -> dict[tuple[int, str], int]:
    """{(user id, window): net points} in each window's current bucket, read with the users'
    PointBalance rows locked (made when missing, as an award makes them): an award of
    theirs committing meanwhile waits, and then finds the membership; one that committed
    first is in these totals."""
    ids = sorted(user_ids)
    # The services change memberships inside a transaction (the lock then lasts until the
    # change commits); a caller of the bulk services without one gets a transaction of
    # its own here, and a race with an award at that moment may miss (rebuild to mend).
    with transaction.atomic(savepoint=False):  # no savepoint queries inside one
        PointBalance.objects.bulk_create([PointBalance(user_id=pk) for pk in ids],
                                         ignore_conflicts=True)
        found = {(pk, "all"): total for pk, total in PointBalance.objects.select_for_update()
                 .filter(user_id__in=ids).order_by("user_id").values_list("user_id", "total")}
        starts = {window: window_start(window, now).date()
                  for window in WINDOWS if window != "all"}
        for pk, period, starts_on, total in PointPeriodTotal.objects.filter(
                user_id__in=ids, period__in=list(starts)).values_list(
                "user_id", "period", "starts", "total"):
            if starts[period] == starts_on:
                found[(pk, period)] = total
    return found


def forget_person(user_id: int) -> None:
    """A cancelled account leaves every people board (site, school, group; every window and
    bucket) when the erasure that removed its points commits: the ledger no longer has
    them, so a rebuild agrees. Where Redis fails, the boards are marked for rebuild."""
    if redis_client() is None:
        return
    transaction.on_commit(lambda: board_store.remove_member(
        "yb:lb:people:*", user_id, parts=len(_key("site", "all").split(":"))))


# Apps above the core add the rebuild of their own boards here (in AppConfig.ready).
REBUILDERS: list = []


def rebuild_all(*, missing_only: bool = False) -> dict[str, int]:
    """Every board, people and those the apps registered: `manage.py rebuild_leaderboards`;
    with `missing_only`, those that are not complete (credits/tasks.py)."""
    done = {"people": rebuild(missing_only=missing_only),
            "people in groups": rebuild_groups(missing_only=missing_only)}
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


def rebuild_groups(group_ids=None, *, missing_only: bool = False) -> int:
    """Rebuild the boards of `group_ids`; by default of the groups whose boards were read
    while incomplete and of those Redis holds (a group's boards are built only once
    read). How many boards were rebuilt."""
    client = redis_client()
    if client is None:
        return 0
    wanted: set[bytes] = set()
    if group_ids is None:
        wanted = client.smembers(WANTED_GROUPS)
        group_ids = {int(pk) for pk in wanted}
        if not missing_only:  # every group board Redis holds, complete or not
            for key in client.scan_iter(match="yb:lb:people:group*", count=1000):
                scope = key.decode().split(":")[3]
                if scope[len("group"):].isdigit():
                    group_ids.add(int(scope[len("group"):]))
    existing = set(Group.objects.filter(pk__in=group_ids).values_list("pk", flat=True))
    gone = set(group_ids) - existing
    board_store.drop([_key(_group_scope(pk), window) for pk in gone for window in WINDOWS])
    boards = 0
    for group_id in sorted(existing):
        for window in WINDOWS:
            def rows(window=window, group_id=group_id):
                return [(r["user_id"], r["points"])
                        for r in _totals(window, group_id=group_id, positive=False)]
            boards += board_store.replace(_key(_group_scope(group_id), window), rows,
                                          expires=True, missing_only=missing_only)
    if wanted:
        client.srem(WANTED_GROUPS, *wanted)
    return boards

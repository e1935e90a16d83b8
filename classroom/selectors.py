"""Every read of check-ins: who sees which check-in and whose attendance.

- A class group's members see its check-ins and their own record; whoever runs the
  class (classroom.rules.runs_class) sees everyone's, with the positions and the
  teachers' marks, and the rotating code for the classroom screen.
- A school app with classroom:read sees the check-ins and attendance of its own
  school's class groups only; anyone else is told there is no such check-in.
- A check-in whose time is up is closed by the read that finds it (services.finalize),
  so nobody reads an attendance list that should already be final.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from classroom import closing, codes, rules
from classroom.models import Attendance, Checkin
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import NotFound, PermissionDenied
from yiban_core.groups.models import Group, Membership
from yiban_core.groups.rules import role_in
from yiban_core.ids import parse_id


@dataclass(frozen=True)
class Access:
    role: str | None  # the actor's role in the group (None: a school app)
    runs_class: bool  # sees everyone's attendance, may start, close and mark

    @property
    def sees_everyone(self) -> bool:
        return self.runs_class or self.role is None


def access(actor: Actor, group: Group) -> Access:
    """What `actor` may read of `group`'s check-ins; NotFound when nothing."""
    actor.require_scope("classroom:read")
    if rules.school_app_reads(actor, group):
        return Access(role=None, runs_class=False)
    role = role_in(actor, group) if actor.user is not None else None
    if role is None or group.kind != Group.Kind.CLASS:
        raise NotFound(_("没有这个签到"), field="checkin")
    return Access(role=role, runs_class=rules.runs_class(actor, group, role))


def _close_if_due(checkins) -> None:
    now = timezone.now()
    for checkin in checkins:
        if checkin.closed_at is None and checkin.closes_at <= now:
            closing.finalize(checkin_id=checkin.pk)
            checkin.refresh_from_db(fields=["closed_at"])


def group_checkins(*, actor: Actor, group_id) -> tuple[Group, QuerySet[Checkin]]:
    """The class group's check-ins, newest first."""
    actor.require_scope("classroom:read")
    pk = parse_id(group_id)
    group = Group.objects.select_related("school").filter(pk=pk).first() if pk else None
    if group is None:
        raise NotFound(_("没有这个群"), field="group")
    try:
        access(actor, group)
    except NotFound:
        raise NotFound(_("没有这个群"), field="group") from None
    qs = Checkin.objects.filter(group=group)
    _close_if_due(qs.filter(closed_at__isnull=True, closes_at__lte=timezone.now()))
    return group, qs.select_related("group", "started_by").order_by("-opens_at", "-pk")


def get_checkin(*, actor: Actor, pk) -> Checkin:
    actor.require_scope("classroom:read")
    pk = parse_id(pk)
    checkin = (Checkin.objects.select_related("group", "group__school", "started_by")
               .filter(pk=pk).first() if pk else None)
    if checkin is None:
        raise NotFound(_("没有这个签到"), field="checkin")
    checkin.access = access(actor, checkin.group)
    _close_if_due([checkin])
    return checkin


def my_record(*, actor: Actor, checkin: Checkin) -> Attendance | None:
    if actor.user is None:
        return None
    if getattr(checkin, "prefetched", None) is not None:
        return checkin.prefetched["mine"]
    return Attendance.objects.filter(checkin=checkin, user=actor.user).first()


@dataclass
class RollRow:
    user: User
    record: Attendance | None  # None: not checked in yet (the check-in is open)

    @property
    def status(self) -> str | None:
        return self.record.status if self.record is not None else None


def roll_call(*, actor: Actor, checkin: Checkin) -> list[RollRow]:
    """Everyone on the roll with their record, for whoever runs the class and the school's
    apps: the records, and while open the students who have not checked in yet. Ordered by
    学号, then name."""
    access_ = getattr(checkin, "access", None) or access(actor, checkin.group)
    if not access_.sees_everyone:
        raise PermissionDenied(_("只有本班的老师或群管理员可以查看全班的签到情况"))
    if getattr(checkin, "prefetched", None) is not None:
        return checkin.prefetched["rows"]
    records = {r.user_id: r for r in Attendance.objects.filter(checkin=checkin)
               .select_related("user", "marked_by")}
    missing: list[User] = []
    if checkin.closed_at is None:
        missing = list(User.objects.filter(
            memberships__group_id=checkin.group_id, role=User.Role.STUDENT)
            .exclude(pk__in=list(records)))
    rows = [RollRow(r.user, r) for r in records.values()] + [RollRow(u, None) for u in missing]
    rows.sort(key=lambda row: (row.user.member_number or "~", row.user.display_name,
                               row.user.username))
    return rows


def summary(checkin: Checkin) -> dict[str, int]:
    """How many of each status, and, while open, how many have not checked in yet."""
    if getattr(checkin, "prefetched", None) is not None:
        return checkin.prefetched["summary"]
    counts = {status: 0 for status in Attendance.Status.values}
    for status in Attendance.objects.filter(checkin=checkin).values_list("status", flat=True):
        counts[status] += 1
    recorded = sum(counts.values())
    waiting = 0
    if checkin.closed_at is None:
        waiting = (Membership.objects.filter(group_id=checkin.group_id,
                                             user__role=User.Role.STUDENT)
                   .exclude(user_id__in=Attendance.objects.filter(checkin=checkin)
                            .values("user_id")).count())
    return {**counts, "waiting": waiting, "expected": recorded + waiting}


def prefetch(*, actor: Actor, group: Group, checkins: list[Checkin]) -> None:
    """For a page of `group`'s check-ins (group_checkins): their summaries, the actor's
    records and, for whoever sees everyone, the roll, in three queries whatever the page
    size; summary, my_record and roll_call then answer from it."""
    if not checkins:
        return
    access_ = access(actor, group)
    records: dict[int, list[Attendance]] = {c.pk: [] for c in checkins}
    for record in (Attendance.objects.filter(checkin__in=list(records))
                   .select_related("user", "marked_by")):
        records[record.checkin_id].append(record)
    roll: list[User] = []
    if any(c.closed_at is None for c in checkins):
        roll = list(User.objects.filter(memberships__group_id=group.pk, role=User.Role.STUDENT))
    for checkin in checkins:
        mine = records[checkin.pk]
        counts = {status: 0 for status in Attendance.Status.values}
        for record in mine:
            counts[record.status] += 1
        recorded = {record.user_id for record in mine}
        missing = ([u for u in roll if u.pk not in recorded]
                   if checkin.closed_at is None else [])
        rows = [RollRow(r.user, r) for r in mine] + [RollRow(u, None) for u in missing]
        rows.sort(key=lambda row: (row.user.member_number or "~", row.user.display_name,
                                   row.user.username))
        checkin.access = access_
        checkin.prefetched = {
            "summary": {**counts, "waiting": len(missing), "expected": len(mine) + len(missing)},
            "rows": rows,
            "mine": next((r for r in mine if r.user_id == actor.user_id), None),
        }


def screen_code(*, actor: Actor, checkin: Checkin) -> tuple[str, float] | None:
    """The rotating code for the classroom screen, and the seconds until it changes; for
    whoever runs the class, while the check-in is open. None: no code (yet, or any more)."""
    access_ = getattr(checkin, "access", None) or access(actor, checkin.group)
    if not access_.runs_class:
        raise PermissionDenied(_("只有本班的老师或群管理员可以打开签到大屏"))
    if not checkin.requires_code or checkin.state(timezone.now()) != "open":
        return None
    return codes.current(checkin.code_secret)


def closed_report(*, actor: Actor, checkin_id) -> tuple[Checkin, dict, list[RollRow]] | None:
    """The closed check-in, its summary and roll as `actor` (a webhook's school app) may
    read them; None when it may not (another school's, or gone)."""
    from yiban_core.errors import DomainError

    try:
        checkin = get_checkin(actor=actor, pk=checkin_id)
        rows = roll_call(actor=actor, checkin=checkin)
    except DomainError:
        return None
    return checkin, summary(checkin), rows

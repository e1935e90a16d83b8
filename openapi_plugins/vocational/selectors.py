"""Every read of training records; who may read what is written in rules.py.

Users through a token need `training:read`; a school app needs `school:training`
and reads only signed records of its own school. A record the viewer may not
read is NOT_FOUND, exactly like one that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, QuerySet, Sum
from django.utils.translation import gettext as _

from openapi_plugins.vocational import rules
from openapi_plugins.vocational.models import TrainingRecord
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import NotFound
from yiban_core.ids import parse_id

Status = TrainingRecord.Status


@dataclass(frozen=True)
class KindTotal:
    kind: str
    hours: Decimal
    count: int

    @property
    def label(self) -> str:
        return TrainingRecord.Kind(self.kind).label


@dataclass(frozen=True)
class GrowthRecord:
    """A student's signed records (成长档案), as far as the viewer may read them."""

    student: User
    records: QuerySet[TrainingRecord]
    totals: list[KindTotal]

    @property
    def total_hours(self) -> Decimal:
        return sum((t.hours for t in self.totals), Decimal("0"))

    @property
    def record_count(self) -> int:
        return sum(t.count for t in self.totals)


def _require_read(actor: Actor) -> None:
    if actor.user is None and actor.school is not None:  # a school app
        actor.require_scope("school:training")
        return
    actor.require_scope("training:read")
    actor.require_user()


def _records() -> QuerySet[TrainingRecord]:
    return TrainingRecord.objects.select_related(
        "student__school", "student__profile", "school", "supervisor", "signed_by",
    ).prefetch_related("attachments")


def my_records(*, actor: Actor, status: str | None = None) -> QuerySet[TrainingRecord]:
    """The viewer's own records, newest first."""
    _require_read(actor)
    user = actor.require_user()
    qs = _records().filter(student=user)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def records_to_sign_off(*, actor: Actor) -> QuerySet[TrainingRecord]:
    """Records submitted to the viewer (a teacher), the longest waiting first."""
    _require_read(actor)
    user = actor.require_user()
    return _records().filter(supervisor=user, status=Status.SUBMITTED).order_by("updated_at",
                                                                                 "pk")


def get_record(*, actor: Actor, pk) -> TrainingRecord:
    _require_read(actor)
    pk = parse_id(pk)
    record = _records().filter(pk=pk).first() if pk else None
    if record is None or not rules.can_read(actor, record):
        raise NotFound(_("没有这条实训/实习记录"), field="record")
    return record


def supervisor_choices(*, actor: Actor) -> QuerySet[User]:
    """The teachers the viewer (a student) may submit records to."""
    _require_read(actor)
    user = actor.require_user()
    if user.school_id is None:
        return User.objects.none()
    return (rules.supervisors_at(user.school_id).exclude(pk=user.pk)
            .select_related("school").order_by("display_name", "pk"))


def totals_by_kind(records: QuerySet[TrainingRecord]) -> list[KindTotal]:
    """Hours and number of records of each kind (both kinds, zero when none), in one query."""
    rows = {row["kind"]: row for row in
            records.order_by().values("kind").annotate(hours=Sum("hours"), count=Count("pk"))}
    return [KindTotal(kind=kind, hours=rows.get(kind, {}).get("hours") or Decimal("0"),
                      count=rows.get(kind, {}).get("count", 0))
            for kind in TrainingRecord.Kind.values]


def growth_record(*, actor: Actor, username: str) -> GrowthRecord:
    """A student's signed records and total hours (成长档案), latest signed first.

    Readable by the student, their school's administrators and verified teachers
    and staff, school apps of the school, and a teacher for the records they
    signed; to anyone else it does not exist.
    """
    _require_read(actor)
    student = User.objects.select_related("school").filter(
        username=username or "", is_active=True).first()
    if student is None:
        raise NotFound(_("没有这个成长档案"), field="username")
    records = (_records().filter(student=student).filter(rules.signed_records_q(actor))
               .order_by("-signed_at", "-pk"))
    allowed = (student.pk == actor.user_id or student.school_id in rules.schools_read_by(actor)
               or records.exists())
    if not allowed:
        raise NotFound(_("没有这个成长档案"), field="username")
    return GrowthRecord(student=student, records=records, totals=totals_by_kind(records))

"""Every write of academic affairs: roster syncs, as idempotent upserts by sourced id.

Who may sync: a school app acting for its own school with the scope
`school:roster`, or a school administrator in a web session; nobody else.

A batch (at most MAX_BATCH rows) is one transaction. A bad row is rejected with a
reason (and its index, sourced id and, for files, file and line) while the sound
rows are applied. Sending the same batch twice changes nothing the second time
(every row reports "unchanged"). Terms, courses and sections (a school has few)
are applied row by row, each in a savepoint. Users and enrolments (thousands) are
applied a batch at a time: what the batch needs is read in a few queries, every
row is decided in Python, and the writes are bulk, so the queries of a batch do
not grow with its rows; a row the writes refuse (a ban, a full group) is rejected
and the batch planned again without it, and when a bulk write clashes with a sync
running at the same moment, the rows are applied one at a time (_apply_in_bulk).

Rosters become class groups:
- a Section gets its class group (kind class, private, join by class code, as
  teachers' class groups are) when its first teacher is enrolled, since a
  group needs an owner: the primary teacher (else the first teacher) owns it,
  the other teachers are admins, students are members. Students enrolled before
  any teacher are kept as enrolments and become members when the group is made.
- Memberships go through the groups app's bulk services (`add_members_in_bulk`,
  `remove_members_in_bulk`, which check the school's authority themselves): the
  group rows are locked, bans and the member cap hold, member_count moves in the
  same transaction, and each section's memberships are reconciled once per batch
  (_reconcile). Those services send MembershipsChanged, as a single join does, so
  webhooks, timelines and sockets hear of a sync exactly as of a join; users
  updated in bulk are announced with PeopleChanged (yiban_core/events.py). A user
  banned from the group, or a full group, rejects that enrolment row.
- The sync manages only the memberships of the people it enrolled: someone
  who joined with the class code is never removed by a sync. The owner is never
  left without a successor: when the owner's teacher enrolment ends, ownership
  passes to another enrolled teacher (with none left, the owner stays), and a
  teacher the roster marks primary takes ownership from one it does not.
- Users: matched by their sourced id (SourcedUser), else by (school, 学号/工号);
  a missing user is created as a verified member of the school (the school
  vouches), with an unusable password, so they sign in after a password reset
  or through the school's SSO. A class group's owner must be a teacher account.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from openapi_plugins.academic_affairs.models import (
    CourseRecord,
    Enrolment,
    Section,
    SourcedUser,
    SyncRun,
    Term,
)
from openapi_plugins.webhooks.events import emit
from yiban_core import events
from yiban_core.accounts.models import Profile, School, User
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.accounts.services import MEMBER_NUMBER_RE
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, DomainError, Invalid, PermissionDenied
from yiban_core.groups.models import Group, Membership
from yiban_core.groups.services import (
    add_members_in_bulk,
    new_join_code,
    remove_members_in_bulk,
)
from yiban_core.search.services import index_later

MAX_BATCH = 500
ACTIVE, TO_BE_DELETED = "active", "tobedeleted"
TEACHER_ACCOUNT_ROLES = {User.Role.TEACHER, User.Role.STAFF, User.Role.ADMIN}


class RowRejected(Exception):
    """A row that cannot be applied; the batch goes on without it."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass
class SyncReport:
    created: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    rejected: list[dict[str, Any]] = field(default_factory=list)
    run: SyncRun | None = None

    def count(self, outcome: str) -> None:
        setattr(self, outcome, getattr(self, outcome) + 1)

    def reject(self, row: dict, index: int, reason: str) -> None:
        entry = {"index": index, "sourcedId": row.get("sourced_id") or "", "reason": reason}
        for key in ("file", "line"):
            if row.get(key) is not None:
                entry[key] = row[key]
        self.rejected.append(entry)

    def merge(self, other: SyncReport) -> None:
        for name in ("created", "updated", "removed", "unchanged"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.rejected.extend(other.rejected)

    @property
    def changed(self) -> int:
        return self.created + self.updated + self.removed


# --- who may sync -------------------------------------------------------------------

def roster_school(*, actor: Actor, school: School | None = None) -> School:
    """The school `actor` may sync the roster of, or PermissionDenied."""
    if actor.user is None and actor.school is not None:  # a school app
        actor.require_scope("school:roster")
        if school is not None and school.pk != actor.school.pk:
            raise PermissionDenied(_("此应用代表的是另一所学校"))
        return actor.school
    user = actor.require_user()
    actor.require_scope("school:roster")  # a user's OAuth token never carries it
    if school is None:
        raise Invalid(_("请指定学校"), field="school")
    if not is_school_admin(user, school):
        raise PermissionDenied(_("只有学校管理员可以同步名单"))
    return school


# --- helpers ------------------------------------------------------------------------

def _text(row: dict, key: str, *, max_length: int, required: bool = False,
          label: str | None = None) -> str:
    value = str(row.get(key) or "").strip()
    if required and not value:
        raise RowRejected(_("缺少 %(field)s") % {"field": label or key})
    if len(value) > max_length:
        raise RowRejected(_("%(field)s 超过 %(n)d 个字符") % {"field": label or key,
                                                          "n": max_length})
    return value


def _status(row: dict) -> str:
    status = str(row.get("status") or ACTIVE).strip() or ACTIVE
    if status not in (ACTIVE, TO_BE_DELETED):
        raise RowRejected(_("status 只能是 active 或 tobedeleted，而不是 %(s)s") % {"s": status})
    return status


def _date(row: dict, key: str) -> date:
    value = row.get(key)
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "").strip())
    except ValueError:
        raise RowRejected(_("%(field)s 不是 YYYY-MM-DD 格式的日期") % {"field": key}) from None


def _upsert(model, *, school: School, sourced_id: str, values: dict) -> tuple[Any, str]:
    """Create or update one row by (school, sourced_id): (object, created/updated/unchanged)."""
    obj = model.objects.select_for_update().filter(school=school, sourced_id=sourced_id).first()
    if obj is None:
        return model.objects.create(school=school, sourced_id=sourced_id, **values), "created"
    changed = [name for name, value in values.items() if getattr(obj, name) != value]
    if not changed:
        return obj, "unchanged"
    for name in changed:
        setattr(obj, name, values[name])
    obj.save(update_fields=[*changed, "updated_at"])
    return obj, "updated"


def _check_batch(rows: list) -> None:
    if len(rows) > MAX_BATCH:
        raise Invalid(_("一批最多 %(max)d 行，这一批有 %(n)d 行；请分批同步")
                      % {"max": MAX_BATCH, "n": len(rows)}, field="rows")


def _apply_rows(rows: Iterable[dict], report: SyncReport, apply_row) -> None:
    for index, row in enumerate(rows):
        try:
            with transaction.atomic():  # a savepoint: a rejected row leaves no trace
                sourced_id = _text(row, "sourced_id", max_length=255, required=True,
                                   label="sourcedId")
                report.count(apply_row(row, sourced_id))
        except RowRejected as error:
            report.reject(row, index, error.reason)
        except DomainError as error:
            report.reject(row, index, error.message)
        except IntegrityError:  # a sync of the same school running at the same moment
            report.reject(row, index, _("与同时进行的另一次同步冲突，请重试"))


@dataclass
class _Sync:
    actor: Actor
    school: School


def _start(actor: Actor, school: School | None, kind: str, source: str) -> tuple[_Sync, SyncRun]:
    school = roster_school(actor=actor, school=school)
    run = SyncRun.objects.create(school=school, kind=kind, source=source,
                                 app_id=actor.app_id if actor.user is None else None,
                                 user=actor.user)
    return _Sync(actor=actor, school=school), run


def _finish(run: SyncRun, report: SyncReport) -> SyncReport:
    run.created, run.updated, run.removed = report.created, report.updated, report.removed
    run.unchanged, run.rejected = report.unchanged, report.rejected
    run.finished_at = timezone.now()
    run.save()
    report.run = run
    emit("roster.synced", object_id=run.pk, school_id=run.school_id)
    return report


def _sync(kind: str, apply_batch):
    """A public sync service: check the batch and the actor, run it in one transaction."""

    def service(*, actor: Actor, rows: list[dict], school: School | None = None,
                source: str = SyncRun.Source.GRAPHQL, **options: Any) -> SyncReport:
        roster_school(actor=actor, school=school)  # who asks, before what they sent
        rows = list(rows)
        _check_batch(rows)
        with transaction.atomic():
            sync, run = _start(actor, school, kind, source)
            report = SyncReport()
            apply_batch(sync, rows, report, **options)
            return _finish(run, report)

    service.__name__ = f"upsert_{kind}"
    service.__doc__ = apply_batch.__doc__
    return service


# --- terms --------------------------------------------------------------------------

def _apply_terms(sync: _Sync, rows: list[dict], report: SyncReport) -> None:
    """Upsert academic sessions (学年, 学期): sourcedId, title, type, startDate, endDate,
    parentSourcedId, schoolYear, status."""
    batch_ids = {str(row.get("sourced_id") or "").strip() for row in rows}
    parents: dict[str, str] = {}

    def apply(row: dict, sourced_id: str) -> str:
        if _status(row) == TO_BE_DELETED:
            deleted, _details = Term.objects.filter(school=sync.school,
                                                    sourced_id=sourced_id).delete()
            return "removed" if deleted else "unchanged"
        kind = _text(row, "kind", max_length=20, required=True, label="type")
        if kind not in Term.Kind.values:
            raise RowRejected(_("学期类型 %(kind)s 不正确，应为 %(kinds)s")
                              % {"kind": kind, "kinds": ", ".join(Term.Kind.values)})
        start, end = _date(row, "start_date"), _date(row, "end_date")
        if end < start:
            raise RowRejected(_("结束日期早于开始日期"))
        parent_id = _text(row, "parent_sourced_id", max_length=255)
        parent = None
        if parent_id:
            if parent_id == sourced_id:
                raise RowRejected(_("学期不能是自己的上级"))
            parent = Term.objects.filter(school=sync.school, sourced_id=parent_id).first()
            if parent is None and parent_id not in batch_ids:
                raise RowRejected(_("找不到上级学期 %(id)s") % {"id": parent_id})
        values = {"title": _text(row, "title", max_length=100, required=True),
                  "kind": kind, "start_date": start, "end_date": end,
                  "school_year": _text(row, "school_year", max_length=4)}
        if parent is not None or not parent_id:
            values["parent"] = parent
        else:
            parents[sourced_id] = parent_id  # a parent later in this batch: set below
        _term, outcome = _upsert(Term, school=sync.school, sourced_id=sourced_id, values=values)
        return outcome

    _apply_rows(rows, report, apply)
    for sourced_id, parent_id in parents.items():
        parent = Term.objects.filter(school=sync.school, sourced_id=parent_id).first()
        Term.objects.filter(school=sync.school, sourced_id=sourced_id).update(parent=parent)


# --- courses ------------------------------------------------------------------------

def _resources_course(school: School, code: str, title: str):
    """The resources app's course of this code, so shared resources meet the class."""
    from resources.services import course_for

    if not code:
        return None
    try:
        return course_for(school=school, code=code, name=title)
    except DomainError:
        return None


def _apply_courses(sync: _Sync, rows: list[dict], report: SyncReport) -> None:
    """Upsert courses: sourcedId, title, courseCode, status."""

    def apply(row: dict, sourced_id: str) -> str:
        if _status(row) == TO_BE_DELETED:
            course = CourseRecord.objects.filter(school=sync.school, sourced_id=sourced_id).first()
            if course is None:
                return "unchanged"
            if course.sections.exists():
                raise RowRejected(_("仍有教学班属于这门课程，不能删除"))
            course.delete()
            return "removed"
        title = _text(row, "title", max_length=100, required=True)
        code = _text(row, "code", max_length=30)
        values = {"title": title, "code": code,
                  "course": _resources_course(sync.school, code, title)}
        _course, outcome = _upsert(CourseRecord, school=sync.school, sourced_id=sourced_id,
                                   values=values)
        return outcome

    _apply_rows(rows, report, apply)


# --- sections -----------------------------------------------------------------------

def _group_name(section: Section) -> str:
    return section.title[:60]


def _apply_sections(sync: _Sync, rows: list[dict], report: SyncReport) -> None:
    """Upsert sections (教学班): sourcedId, title, courseSourcedId, termSourcedIds,
    classCode, status. A section's class group is renamed with it; a deleted section
    leaves its class group to its teachers, no longer synced."""

    def apply(row: dict, sourced_id: str) -> str:
        if _status(row) == TO_BE_DELETED:
            deleted, _details = Section.objects.filter(school=sync.school,
                                                       sourced_id=sourced_id).delete()
            return "removed" if deleted else "unchanged"
        course_id = _text(row, "course_sourced_id", max_length=255, required=True,
                          label="courseSourcedId")
        course = CourseRecord.objects.filter(school=sync.school, sourced_id=course_id).first()
        if course is None:
            raise RowRejected(_("找不到课程 %(id)s") % {"id": course_id})
        term_ids = [str(t).strip() for t in row.get("term_sourced_ids") or [] if str(t).strip()]
        terms = list(Term.objects.filter(school=sync.school, sourced_id__in=term_ids))
        missing = sorted(set(term_ids) - {term.sourced_id for term in terms})
        if missing:
            raise RowRejected(_("找不到学期 %(ids)s") % {"ids": ", ".join(missing)})
        values = {"title": _text(row, "title", max_length=100, required=True),
                  "course": course, "class_code": _text(row, "class_code", max_length=100)}
        section, outcome = _upsert(Section, school=sync.school, sourced_id=sourced_id,
                                   values=values)
        if {t.pk for t in section.terms.all()} != {t.pk for t in terms}:
            section.terms.set(terms)
            outcome = "updated" if outcome == "unchanged" else outcome
        group = section.class_group
        if group is not None and group.name != _group_name(section):
            group.name = _group_name(section)
            group.save(update_fields=["name"])
            index_later("group", group.pk)
        return outcome

    _apply_rows(rows, report, apply)


# --- batches ------------------------------------------------------------------------

class _Refused(Exception):
    """Rows the bulk writes of a batch refused (a ban, a full group), by index: the batch
    is rolled back to its savepoint and planned again without them."""

    def __init__(self, reasons: dict[int, str]):
        super().__init__(reasons)
        self.reasons = reasons


def _apply_in_bulk(rows: list[dict], report: SyncReport, apply_batch) -> None:
    """Apply `rows` with apply_batch([(index, row)], report): it reads what the batch needs
    in a few queries, decides every row in Python (_decide) and writes in bulk, in a
    savepoint. A row its writes refuse (_Refused) is rejected and the batch planned again
    without it. When a bulk write clashes (IntegrityError: a sync of the same school at the
    same moment), each row is applied on its own, and a row that still clashes is rejected:
    a clash rejects rows, never the batch."""
    refused: dict[int, str] = {}

    def attempt(batch: list[tuple[int, dict]]) -> SyncReport:
        while True:
            part = SyncReport()
            try:
                with transaction.atomic():
                    apply_batch([(i, row) for i, row in batch if i not in refused], part)
                return part
            except _Refused as error:
                if not set(error.reasons) - set(refused):
                    raise RuntimeError("a refused row was planned again") from error
                refused.update(error.reasons)

    part = SyncReport()
    indexed = list(enumerate(rows))
    for start in range(0, len(indexed), MAX_BATCH):  # a OneRoster file: MAX_BATCH at a time
        chunk = indexed[start:start + MAX_BATCH]
        try:
            part.merge(attempt(chunk))
        except IntegrityError:
            for index, row in chunk:
                if index in refused:
                    continue
                try:
                    part.merge(attempt([(index, row)]))
                except IntegrityError:
                    part.reject(row, index, _("与同时进行的另一次同步冲突，请重试"))
    for index, reason in refused.items():
        part.reject(rows[index], index, reason)
    part.rejected.sort(key=lambda entry: entry["index"])
    report.merge(part)


def _decide(batch: list[tuple[int, dict]], report: SyncReport, decide_row) -> None:
    """decide_row(index, row, sourced_id) -> outcome for each row, in order; it validates
    before it changes the plan, so a rejected row leaves no trace."""
    for index, row in batch:
        try:
            sourced_id = _text(row, "sourced_id", max_length=255, required=True,
                               label="sourcedId")
            report.count(decide_row(index, row, sourced_id))
        except RowRejected as error:
            report.reject(row, index, error.reason)
        except DomainError as error:
            report.reject(row, index, error.message)


def _ids(batch: list[tuple[int, dict]], key: str) -> set[str]:
    return {str(row.get(key) or "").strip() for _index, row in batch} - {""}


def _index_later(kind: str, object_ids: list[int]) -> None:
    """index_later for the objects of a batch: one task (one outbox row) for them all."""
    if object_ids:
        from openapi_plugins.academic_affairs.tasks import index_synced

        index_synced.enqueue(kind=kind, object_ids=sorted(object_ids))


# --- users --------------------------------------------------------------------------

def _assign_usernames(school: School, users: list[User]) -> None:
    """s<school>-<number>, with -2, -3... when taken; two queries for the batch (plus one
    per taken name)."""
    bases = [re.sub(r"[^a-z0-9_.-]", "", f"s{school.pk}-{user.member_number}".lower())[:26]
             for user in users]
    taken = set(User.objects.annotate(name=Lower("username")).filter(name__in=set(bases))
                .values_list("name", flat=True))
    for base in set(bases) & taken:
        taken.update(name.lower() for name in User.objects.filter(
            username__istartswith=f"{base}-").values_list("username", flat=True))
    for user, base in zip(users, bases, strict=True):
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        user.username = candidate


def _display_name(row: dict) -> str:
    given = _text(row, "given_name", max_length=100)
    family = _text(row, "family_name", max_length=100)
    if given.isascii() and family.isascii():
        name = f"{given} {family}".strip()
    else:  # 张 + 三: Chinese names run together, family name first
        name = f"{family}{given}"
    return name[:40]


def _user_key(user: User) -> int:
    return user.pk if user.pk is not None else -id(user)  # a user of this batch: no pk yet


def _apply_users(sync: _Sync, rows: list[dict], report: SyncReport) -> None:
    """Upsert people: sourcedId, role (student/teacher), givenName, familyName,
    identifier (学号/工号; the sourcedId when empty), status."""
    _apply_in_bulk(rows, report, lambda batch, part: _users_batch(sync, batch, part))


def _users_batch(sync: _Sync, batch: list[tuple[int, dict]], report: SyncReport) -> None:
    school = sync.school
    numbers = {str(row.get("identifier") or "").strip() or str(row.get("sourced_id") or "")
               .strip() for _index, row in batch}
    mappings = {m.sourced_id: m for m in SourcedUser.objects.select_related("user").filter(
        school=school, sourced_id__in=_ids(batch, "sourced_id"))}
    mapped_users = {m.user_id: m.user for m in mappings.values()}
    holders = {user.member_number: mapped_users.get(user.pk, user)  # one object per user
               for user in User.objects.filter(school=school, member_number__in=numbers - {""})}
    mapped = set(SourcedUser.objects.filter(
        school=school, user_id__in=[user.pk for user in holders.values()])
        .values_list("user_id", flat=True)) | set(mapped_users)
    removed: list[tuple[int, SourcedUser]] = []
    new_users: list[tuple[int, User]] = []
    new_mappings: list[SourcedUser] = []
    changed_users: dict[int, tuple[User, set[str]]] = {}
    changed_mappings: dict[int, SourcedUser] = {}
    now = timezone.now()

    def decide(index: int, row: dict, sourced_id: str) -> str:
        mapping = mappings.get(sourced_id)
        if _status(row) == TO_BE_DELETED:
            if mapping is None:
                return "unchanged"
            # The person keeps their account; they leave the classes the roster put them in.
            del mappings[sourced_id]
            mapped.discard(_user_key(mapping.user))
            if mapping.pk is None:  # mapped earlier in this batch
                new_mappings.remove(mapping)
            else:
                removed.append((index, mapping))
                changed_mappings.pop(mapping.pk, None)
            return "removed"
        role = _text(row, "role", max_length=20, required=True)
        if role not in (User.Role.STUDENT, User.Role.TEACHER):
            raise RowRejected(_("不支持的身份 %(role)s：只同步学生（student）和教师（teacher）")
                              % {"role": role})
        number = _text(row, "identifier", max_length=255) or sourced_id
        if not MEMBER_NUMBER_RE.match(number):
            raise RowRejected(_("学号/工号 %(n)s 应为 4 到 32 位字母、数字或 -") % {"n": number})
        holder = holders.get(number)
        if mapping is not None:
            user, outcome = mapping.user, "unchanged"
            if holder is not None and _user_key(holder) != _user_key(user):
                raise RowRejected(_("学号/工号 %(n)s 已属于本校另一位用户") % {"n": number})
        elif holder is not None:
            if _user_key(holder) in mapped:
                raise RowRejected(_("学号/工号 %(n)s 已对应另一个外部 ID") % {"n": number})
            mapping = SourcedUser(school=school, sourced_id=sourced_id, user=holder, role=role)
            mappings[sourced_id] = mapping
            mapped.add(_user_key(holder))
            new_mappings.append(mapping)
            user, outcome = holder, "created"
        else:
            user = User(username="", role=role, display_name=_display_name(row) or number,
                        school=school, member_number=number, verified_at=now)
            user.set_unusable_password()
            mapping = SourcedUser(school=school, sourced_id=sourced_id, user=user, role=role,
                                  created_user=True)
            mappings[sourced_id], holders[number] = mapping, user
            mapped.add(_user_key(user))
            new_users.append((index, user))
            new_mappings.append(mapping)
            return "created"
        changes: dict[str, Any] = {}
        if user.member_number != number or user.school_id != school.pk:
            changes.update(member_number=number, school=school)
        if user.verified_at is None:
            changes["verified_at"] = now
        # The school says who teaches; staff and site admins keep their role.
        if user.role != role and user.role in (User.Role.STUDENT, User.Role.TEACHER):
            changes["role"] = role
        if mapping.created_user and user.display_name != (_display_name(row) or number):
            changes["display_name"] = _display_name(row) or number
        if changes:
            if "member_number" in changes and holders.get(user.member_number) is user:
                del holders[user.member_number]
            for name, value in changes.items():
                setattr(user, name, value)
            holders[number] = user
            if user.pk is not None:
                changed_users.setdefault(user.pk, (user, set()))[1].update(changes)
        if mapping.role != role:
            mapping.role = role
            if mapping.pk is not None:
                changed_mappings[mapping.pk] = mapping
        return "updated" if changes and outcome == "unchanged" else outcome

    _decide(batch, report, decide)

    if removed:
        index_of = {mapping.pk: index for index, mapping in removed}
        touched: dict[int, dict[int, list[int]]] = {}
        for section_id, user_id, mapping_id in Enrolment.objects.filter(
                sourced_user__in=[m.pk for _i, m in removed]).values_list(
                "section_id", "sourced_user__user_id", "sourced_user_id"):
            touched.setdefault(section_id, {}).setdefault(user_id, []).append(
                index_of[mapping_id])
        SourcedUser.objects.filter(pk__in=list(index_of)).delete()  # and their enrolments
        _reconcile(sync, touched)
    if new_users:
        users = [user for _index, user in new_users]
        _assign_usernames(school, users)
        User.objects.bulk_create(users)
        Profile.objects.bulk_create([Profile(user=user) for user in users])
        # Verified by the school: they join its official group (join_school_group).
        official = (Group.objects.filter(kind=Group.Kind.SCHOOL, school=school)
                    .values_list("pk", flat=True).first())
        if official is not None:
            _made, refused = add_members_in_bulk(
                actor=sync.actor, school=school,
                additions=[(official, user.pk, Membership.Role.MEMBER) for user in users])
            if refused:
                raise _Refused({index: refused[(official, user.pk)]
                                for index, user in new_users if (official, user.pk) in refused})
        _index_later("user", [user.pk for user in users])
    if new_mappings:
        SourcedUser.objects.bulk_create(new_mappings)
    if changed_users:
        fields = sorted(set().union(*(names for _user, names in changed_users.values())))
        User.objects.bulk_update([user for user, _names in changed_users.values()], fields)
        _index_later("user", list(changed_users))
        events.send(events.PeopleChanged(user_ids=tuple(changed_users)))  # no post_save
    if changed_mappings:
        for mapping in changed_mappings.values():
            mapping.updated_at = now
        SourcedUser.objects.bulk_update(list(changed_mappings.values()), ["role", "updated_at"])


# --- enrolments and class groups ----------------------------------------------------

def _desired_roles(enrolments: Iterable[tuple[int, str, bool, int]],
                   ) -> dict[int, tuple[str, bool, int]]:
    """user id -> (role, primary, first enrolment id) from a section's enrolments
    (user id, role, primary, enrolment id), in enrolment id order."""
    desired: dict[int, tuple[str, bool, int]] = {}
    for user_id, role, primary, pk in enrolments:
        current = desired.get(user_id)
        promoted = role == Enrolment.Role.TEACHER and current is not None and current[0] != role
        if current is None or promoted:  # a teacher enrolment outranks a student one
            desired[user_id] = (role, primary, pk)
        elif role == current[0] and primary and not current[1]:
            desired[user_id] = (role, True, current[2])
    return desired


def _pick_owner(desired: dict[int, tuple[str, bool, int]]) -> int | None:
    teachers = [(not primary, pk, user_id) for user_id, (role, primary, pk) in desired.items()
                if role == Enrolment.Role.TEACHER]
    return min(teachers)[2] if teachers else None


def _create_class_groups(new: list[tuple[Section, int]]) -> None:
    """A class group for each (section, owner id), with unique join codes: a few queries
    for all of them. The owner's membership is added by the caller."""
    codes: set[str] = set()
    while True:
        while len(codes) < len(new):
            codes.add(new_join_code())
        taken = set(Group.objects.filter(join_code__in=codes).values_list("join_code",
                                                                          flat=True))
        if not taken:
            break
        codes -= taken
    groups = [Group(name=_group_name(section), kind=Group.Kind.CLASS,
                    school_id=section.school_id, is_private=True,
                    join_policy=Group.JoinPolicy.CODE, owner_id=owner_id, member_count=0,
                    join_code=code)
              for (section, owner_id), code in zip(new, sorted(codes), strict=True)]
    Group.objects.bulk_create(groups)
    now = timezone.now()
    for (section, _owner_id), group in zip(new, groups, strict=True):
        section.class_group, section.updated_at = group, now
    Section.objects.bulk_update([section for section, _owner_id in new],
                                ["class_group", "updated_at"])
    _index_later("group", [group.pk for group in groups])


def _reconcile(sync: _Sync, touched: dict[int, dict[int, list[int]]]) -> None:
    """Make the class groups' memberships of the touched users match their sections'
    enrolments, for all sections at once: touched is {section id: {user id: [indexes of
    the rows that touched them]}}. A section's class group is made with its first teacher
    (then everyone enrolled is reconciled). A ban or a full group refuses the rows that
    needed the membership (_Refused)."""
    if not touched:
        return
    school = sync.school
    sections = {s.pk: s for s in Section.objects.filter(pk__in=list(touched))}
    enrolled: dict[int, list[tuple[int, str, bool, int]]] = {}
    for section_id, *enrolment in (Enrolment.objects.filter(section_id__in=list(sections))
                                   .order_by("pk").values_list("section_id",
                                                               "sourced_user__user_id",
                                                               "role", "primary", "pk")):
        enrolled.setdefault(section_id, []).append(tuple(enrolment))
    desired = {pk: _desired_roles(enrolled.get(pk, [])) for pk in sections}

    new = [(section, owner_id) for section in sections.values()
           if section.class_group_id is None
           and (owner_id := _pick_owner(desired[section.pk])) is not None]
    if new:
        _create_class_groups(new)
    new_ids = {section.class_group_id for section, _owner_id in new}
    groups = {g.pk: g for g in Group.objects.select_for_update().filter(
        pk__in=[s.class_group_id for s in sections.values() if s.class_group_id is not None])
        .order_by("pk")}
    plans: list[tuple[Section, Group, list[int], int | None]] = []
    for section in sections.values():
        group = groups.get(section.class_group_id)
        if group is None:
            continue  # no teacher yet: the group is made with the first one
        wanted = desired[section.pk]
        user_ids = list(wanted) if group.pk in new_ids else list(touched[section.pk])
        owner_role, owner_primary, _pk = wanted.get(group.owner_id, ("", False, 0))
        successor = _pick_owner(wanted)
        if group.pk in new_ids or successor is None or successor == group.owner_id or not (
            owner_role != Enrolment.Role.TEACHER  # the owner no longer teaches here
            or (not owner_primary and wanted[successor][1])  # the primary teacher owns it
        ):
            successor = None
        else:
            user_ids.append(group.owner_id)
        plans.append((section, group, user_ids, successor))

    everyone = {uid for _s, g, user_ids, successor in plans
                for uid in (*user_ids, g.owner_id, successor) if uid is not None}
    current = {(m.group_id, m.user_id): m for m in Membership.objects.filter(
        group_id__in=list(groups), user_id__in=everyone)}
    roles_before = {m.pk: m.role for m in current.values()}
    managed = set(SourcedUser.objects.filter(school=school, user_id__in=everyone)
                  .values_list("user_id", flat=True))
    demoted: list[Membership] = []
    transferred: list[Group] = []
    removals: list[Membership] = []
    additions: list[tuple[int, int, str]] = []
    blame: dict[tuple[int, int], list[int]] = {}
    for section, group, user_ids, successor in plans:
        rows_here = sorted({i for indexes in touched[section.pk].values() for i in indexes})
        if group.pk in new_ids:  # the owner first
            additions.append((group.pk, group.owner_id, Membership.Role.OWNER))
            current[(group.pk, group.owner_id)] = Membership(role=Membership.Role.OWNER)
        if successor is not None:  # at most one owner at any moment: demote first
            old = current.get((group.pk, group.owner_id))
            if old is not None and old.role == Membership.Role.OWNER:
                old.role = Membership.Role.ADMIN
                demoted.append(old)
            target = current.get((group.pk, successor))
            if target is None:
                additions.append((group.pk, successor, Membership.Role.OWNER))
                blame[(group.pk, successor)] = rows_here
                current[(group.pk, successor)] = Membership(role=Membership.Role.OWNER)
            else:
                target.role = Membership.Role.OWNER
            group.owner_id = successor
            transferred.append(group)
        for user_id in dict.fromkeys(user_ids):
            member = current.get((group.pk, user_id))
            wanted = desired[section.pk].get(user_id)
            if member is not None and member.role == Membership.Role.OWNER:
                continue  # the owner stays until another teacher takes over
            if wanted is None:
                if member is not None and user_id in managed:  # not one who joined by code
                    removals.append(member)
                continue
            role = (Membership.Role.ADMIN if wanted[0] == Enrolment.Role.TEACHER
                    else Membership.Role.MEMBER)
            if member is None:
                additions.append((group.pk, user_id, role))
                blame[(group.pk, user_id)] = touched[section.pk].get(user_id) or rows_here
            else:
                member.role = role

    if demoted:
        Membership.objects.filter(pk__in=[m.pk for m in demoted]).update(
            role=Membership.Role.ADMIN)
    remove_members_in_bulk(actor=sync.actor, school=school, members=removals)
    gone = {m.pk for m in removals}
    changed = [m for m in current.values() if m.pk is not None and m.pk not in gone
               and m.role != roles_before[m.pk]]
    if changed:
        Membership.objects.bulk_update(changed, ["role"])
    additions.sort(key=lambda a: min(blame.get((a[0], a[1]), [-1])))
    _joined, refused = add_members_in_bulk(actor=sync.actor, school=school, additions=additions)
    if refused:
        reasons: dict[int, str] = {}
        for key, reason in refused.items():
            for index in blame.get(key, []):
                reasons.setdefault(index, reason)
        if not reasons:
            raise Conflict(next(iter(refused.values())))
        raise _Refused(reasons)
    if transferred:
        Group.objects.bulk_update(transferred, ["owner"])


def _apply_enrolments(sync: _Sync, rows: list[dict], report: SyncReport,
                      replace: bool = False) -> None:
    """Upsert enrolments: sourcedId, classSourcedId, userSourcedId, role (student/teacher),
    primary, status. With replace, each section named in the batch keeps only the
    enrolments the batch lists: the others are removed (a full roster of those sections)."""
    _apply_in_bulk(rows, report, lambda batch, part: _enrolments_batch(sync, batch, part,
                                                                       replace))


def _enrolments_batch(sync: _Sync, batch: list[tuple[int, dict]], report: SyncReport,
                      replace: bool) -> None:
    school = sync.school
    state: dict[str, Enrolment | None] = {
        e.sourced_id: e for e in Enrolment.objects.select_related("sourced_user").filter(
            school=school, sourced_id__in=_ids(batch, "sourced_id"))}
    sections = {s.sourced_id: s for s in Section.objects.filter(
        school=school, sourced_id__in=_ids(batch, "section_sourced_id"))}
    people = {p.sourced_id: p for p in SourcedUser.objects.select_related("user").filter(
        school=school, sourced_id__in=_ids(batch, "user_sourced_id"))}
    seen: dict[int, set[str]] = {}
    touched: dict[int, dict[int, list[int]]] = {}
    deleted: dict[int, Enrolment] = {}
    created: dict[str, Enrolment] = {}
    updated: dict[int, Enrolment] = {}

    def touch(section_id: int, user_id: int, index: int | None) -> None:
        indexes = touched.setdefault(section_id, {}).setdefault(user_id, [])
        if index is not None:
            indexes.append(index)

    def decide(index: int, row: dict, sourced_id: str) -> str:
        existing = state.get(sourced_id)
        section_id = _text(row, "section_sourced_id", max_length=255, required=True,
                           label="classSourcedId")
        section = sections.get(section_id)
        if section is None:
            raise RowRejected(_("找不到教学班 %(id)s") % {"id": section_id})
        seen.setdefault(section.pk, set()).add(sourced_id)
        if _status(row) == TO_BE_DELETED:
            if existing is None:
                return "unchanged"
            state[sourced_id] = None
            if existing.pk is None:
                del created[sourced_id]
            else:
                deleted[existing.pk] = existing
                updated.pop(existing.pk, None)
            touch(existing.section_id, existing.sourced_user.user_id, index)
            return "removed"
        user_id = _text(row, "user_sourced_id", max_length=255, required=True,
                        label="userSourcedId")
        person = people.get(user_id)
        if person is None:
            raise RowRejected(_("找不到用户 %(id)s（请先同步用户）") % {"id": user_id})
        role = _text(row, "role", max_length=20, required=True)
        if role not in Enrolment.Role.values:
            raise RowRejected(_("不支持的选课身份 %(role)s：只同步学生（student）和教师（teacher）")
                              % {"role": role})
        if role == Enrolment.Role.TEACHER and person.user.role not in TEACHER_ACCOUNT_ROLES:
            raise RowRejected(_("%(id)s 不是教师账号，不能以教师身份加入教学班") % {"id": user_id})
        primary = str(row.get("primary") or "").strip().lower() in ("true", "1", "yes")
        values = {"section_id": section.pk, "sourced_user_id": person.pk, "role": role,
                  "primary": primary and role == Enrolment.Role.TEACHER}
        before = None
        if existing is None:
            enrolment = Enrolment(school=school, sourced_id=sourced_id, section=section,
                                  sourced_user=person, role=role, primary=values["primary"])
            state[sourced_id] = created[sourced_id] = enrolment
            outcome = "created"
        elif all(getattr(existing, name) == value for name, value in values.items()):
            outcome = "unchanged"
        else:
            before = (existing.section_id, existing.sourced_user)
            existing.section, existing.sourced_user = section, person
            existing.role, existing.primary = role, values["primary"]
            if existing.pk is not None:
                updated[existing.pk] = existing
            outcome = "updated"
        if outcome == "unchanged" and section.class_group_id is not None:
            return outcome
        if before is not None and before[0] != section.pk:
            touch(before[0], before[1].user_id, index)
        touch(section.pk, person.user_id, index)
        if before is not None and before[1].pk != person.pk:
            touch(section.pk, before[1].user_id, index)
        return outcome

    _decide(batch, report, decide)
    if replace and seen:
        for enrolment in Enrolment.objects.select_related("sourced_user").filter(
                section_id__in=list(seen)):
            final = state.get(enrolment.sourced_id, enrolment)
            if (final is None or final.pk is None or final.section_id not in seen
                    or final.sourced_id in seen[final.section_id]):
                continue
            deleted[final.pk] = final
            updated.pop(final.pk, None)
            report.removed += 1
            touch(final.section_id, final.sourced_user.user_id, None)

    if deleted:
        Enrolment.objects.filter(pk__in=list(deleted)).delete()
    if updated:
        now = timezone.now()
        for enrolment in updated.values():
            enrolment.updated_at = now
        Enrolment.objects.bulk_update(list(updated.values()), [
            "section", "sourced_user", "role", "primary", "updated_at"])
    if created:
        Enrolment.objects.bulk_create(list(created.values()))
    _reconcile(sync, touched)


upsert_terms = _sync("terms", _apply_terms)
upsert_courses = _sync("courses", _apply_courses)
upsert_sections = _sync("sections", _apply_sections)
upsert_users = _sync("users", _apply_users)
upsert_enrolments = _sync("enrolments", _apply_enrolments)


# --- OneRoster files ----------------------------------------------------------------

def import_oneroster(*, actor: Actor, school: School, roster, org_sourced_id: str) -> SyncReport:
    """Import a parsed OneRoster export (oneroster.Roster) into `school`, mapping the org
    `org_sourced_id` to it. One transaction and one sync run; rows of other schools, and
    rows that cannot be read, are rejected with their file and line."""
    from openapi_plugins.academic_affairs import oneroster

    with transaction.atomic():
        sync, run = _start(actor, school, "oneroster", SyncRun.Source.ONEROSTER)
        report = SyncReport()
        batches = oneroster.rows_for_school(roster, org_sourced_id)  # raises Invalid
        report.rejected.extend(batches.rejected)
        for kind, apply_batch in (("terms", _apply_terms), ("courses", _apply_courses),
                                  ("sections", _apply_sections), ("users", _apply_users),
                                  ("enrolments", _apply_enrolments)):
            part = SyncReport()
            apply_batch(sync, batches.rows[kind], part)
            for entry in part.rejected:  # the index is the file's; say which file and line
                entry.pop("index", None)
            report.merge(part)
        report.rejected.sort(key=lambda e: (e.get("file", ""), e.get("line", 0)))
        return _finish(run, report)

"""People of a roster sync, a batch at a time.

Users are matched by their sourced id (SourcedUser), else by (school, 学号/工号); a
missing user is created with an unusable password, so they sign in after a password
reset or through the school's SSO. A row without a name (givenName and familyName both
empty) is rejected, as is one without a sourcedId (batch.decide_rows): nothing is made of
it. A new account takes the row's `username` when it is valid and free, else a derived one
(s<school>-<学号>) and the report's notes say why. Only a real identifier (学号/工号) makes them a
verified member of the school (the school vouches) who joins its official group: a
row without one creates an unverified account with no 学号, since a sourcedId is the
export's internal id, not a number the school gave the person. Users updated in bulk
send no post_save: they are announced with events.PeopleChanged. enabledUser=false
suspends the account (is_active=False: no sign-in, no token) of a student or teacher,
and only the roster's enabledUser=true lifts a suspension the roster made. A user the
roster drops keeps their account and leaves the classes the roster put them in
(reconcile).
"""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from openapi_plugins.academic_affairs.models import (
    Enrolment,
    SourcedUser,
)
from openapi_plugins.academic_affairs.services.batch import (
    TO_BE_DELETED,
    Refused,
    RowRejected,
    Sync,
    SyncReport,
    apply_in_bulk,
    decide_rows,
    field_text,
    ids_of,
    index_batch_later,
    row_flag,
    row_status,
)
from openapi_plugins.academic_affairs.services.reconcile import reconcile
from yiban_core import events
from yiban_core.accounts.models import Profile, School, User
from yiban_core.accounts.services import MEMBER_NUMBER_RE, USERNAME_RE
from yiban_core.groups.models import Group, Membership
from yiban_core.groups.services import (
    add_members_in_bulk,
)


def _where(row: dict, index: int) -> str:
    if row.get("file"):
        return _("%(file)s 第 %(line)s 行") % {"file": row["file"], "line": row.get("line")}
    return _("第 %(n)d 行") % {"n": index}


def _assign_usernames(school: School, new_users: list[tuple[int, User]], rows: dict[int, dict],
                      report: SyncReport) -> None:
    """The row's `username` when it is valid and free (case-insensitive); else
    s<school>-<number>, with -2, -3... when taken, and a note says why the row's name was
    not used. Three queries for the batch (plus one per taken derived name)."""
    users = [user for _index, user in new_users]
    wanted = {index: str(rows[index].get("username") or "").strip() for index, _u in new_users}
    taken_wanted = set(User.objects.annotate(name=Lower("username")).filter(
        name__in={name.lower() for name in wanted.values() if name})
        .values_list("name", flat=True))
    chosen: dict[int, str] = {}
    for index, _user in new_users:
        name = wanted[index]
        if not name:
            continue
        if not USERNAME_RE.match(name):
            why = _("用户名 “%(u)s” 无效（应为 3 到 30 个字母、数字或 _ . -）") % {"u": name}
        elif name.lower() in taken_wanted:
            why = _("用户名 “%(u)s” 已被占用") % {"u": name}
        else:
            chosen[index] = name
            taken_wanted.add(name.lower())
            continue
        report.notes.append(_("%(where)s（%(id)s）：%(why)s，已改用自动生成的用户名")
                            % {"where": _where(rows[index], index),
                               "id": rows[index].get("sourced_id") or "", "why": why})
    bases = [re.sub(r"[^a-z0-9_.-]", "", f"s{school.pk}-{user.member_number or ''}".lower())
             [:26] if user.member_number else f"s{school.pk}-u{secrets.token_hex(4)}"
             for user in users]
    taken = set(User.objects.annotate(name=Lower("username")).filter(name__in=set(bases))
                .values_list("name", flat=True)) | taken_wanted
    for base in set(bases) & taken:
        taken.update(name.lower() for name in User.objects.filter(
            username__istartswith=f"{base}-").values_list("username", flat=True))
    for (index, user), base in zip(new_users, bases, strict=True):
        if index in chosen:
            user.username = chosen[index]
            continue
        candidate, n = base, 1
        while candidate in taken:
            n += 1
            candidate = f"{base}-{n}"
        taken.add(candidate)
        user.username = candidate


def _display_name(row: dict) -> str:
    given = field_text(row, "given_name", max_length=100)
    family = field_text(row, "family_name", max_length=100)
    if given.isascii() and family.isascii():
        name = f"{given} {family}".strip()
    else:  # 张 + 三: Chinese names run together, family name first
        name = f"{family}{given}"
    return name[:40]


def _user_key(user: User) -> int:
    return user.pk if user.pk is not None else -id(user)  # a user of this batch: no pk yet


def apply_users(sync: Sync, rows: list[dict], report: SyncReport) -> None:
    """Upsert people: sourcedId, role (student/teacher), givenName, familyName,
    identifier (学号/工号; without one the person is not verified), username (used for a new
    account when valid and free), enabled_user, status. A row without a name is rejected."""
    apply_in_bulk(rows, report, lambda batch, part: _users_batch(sync, batch, part))


def _users_batch(sync: Sync, batch: list[tuple[int, dict]], report: SyncReport) -> None:
    school = sync.school
    numbers = {str(row.get("identifier") or "").strip() for _index, row in batch}
    mappings = {m.sourced_id: m for m in SourcedUser.objects.select_related("user").filter(
        school=school, sourced_id__in=ids_of(batch, "sourced_id"))}
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
        if row_status(row) == TO_BE_DELETED:
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
        role = field_text(row, "role", max_length=20, required=True)
        if role not in (User.Role.STUDENT, User.Role.TEACHER):
            raise RowRejected(_("不支持的身份 %(role)s：只同步学生（student）和教师（teacher）")
                              % {"role": role})
        number = field_text(row, "identifier", max_length=255) or None
        if number is not None and not MEMBER_NUMBER_RE.match(number):
            raise RowRejected(_("学号/工号 %(n)s 应为 4 到 32 位字母、数字或 -") % {"n": number})
        if not _display_name(row):
            # A person with no name cannot be told apart on any page: the file is wrong.
            raise RowRejected(_("缺少姓名（givenName 和 familyName 都为空）"))
        enabled = row_flag(row, "enabled_user")
        holder = holders.get(number) if number is not None else None
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
            user = User(username="", role=role,
                        display_name=_display_name(row) or number or _("同学"),
                        school=school, member_number=number,
                        verified_at=now if number is not None else None,
                        is_active=enabled is not False)
            user.set_unusable_password()
            mapping = SourcedUser(school=school, sourced_id=sourced_id, user=user, role=role,
                                  created_user=True, suspended=enabled is False)
            mappings[sourced_id] = mapping
            if number is not None:
                holders[number] = user
            mapped.add(_user_key(user))
            new_users.append((index, user))
            new_mappings.append(mapping)
            return "created"
        changes: dict[str, Any] = {}
        if number is not None:  # without one, what the person has is left as it is
            if user.member_number != number or user.school_id != school.pk:
                changes.update(member_number=number, school=school)
            if user.verified_at is None:
                changes["verified_at"] = now
        # The school says who teaches; staff and site admins keep their role.
        if user.role != role and user.role in (User.Role.STUDENT, User.Role.TEACHER):
            changes["role"] = role
        name = _display_name(row) or number or user.display_name
        if mapping.created_user and user.display_name != name:
            changes["display_name"] = name
        synced_roles = (User.Role.STUDENT, User.Role.TEACHER)
        if enabled is False and user.role in synced_roles and not mapping.suspended:
            mapping.suspended = True
            changes["is_active"] = False
        elif enabled is True and mapping.suspended:
            mapping.suspended = False
            changes["is_active"] = True
        if changes:
            if "member_number" in changes and holders.get(user.member_number) is user:
                del holders[user.member_number]
            for name, value in changes.items():
                setattr(user, name, value)
            if number is not None:
                holders[number] = user
            if user.pk is not None:
                changed_users.setdefault(user.pk, (user, set()))[1].update(changes)
        if mapping.role != role or "is_active" in changes:
            mapping.role = role
            if mapping.pk is not None:
                changed_mappings[mapping.pk] = mapping
        return "updated" if changes and outcome == "unchanged" else outcome

    decide_rows(batch, report, decide)

    if removed:
        index_of = {mapping.pk: index for index, mapping in removed}
        touched: dict[int, dict[int, list[int]]] = {}
        for section_id, user_id, mapping_id in Enrolment.objects.filter(
                sourced_user__in=[m.pk for _i, m in removed]).values_list(
                "section_id", "sourced_user__user_id", "sourced_user_id"):
            touched.setdefault(section_id, {}).setdefault(user_id, []).append(
                index_of[mapping_id])
        SourcedUser.objects.filter(pk__in=list(index_of)).delete()  # and their enrolments
        reconcile(sync, touched)
    if new_users:
        users = [user for _index, user in new_users]
        _assign_usernames(school, new_users, dict(batch), report)
        User.objects.bulk_create(users)
        Profile.objects.bulk_create([Profile(user=user) for user in users])
        # Verified by the school: they join its official group (join_school_group).
        official = (Group.objects.filter(kind=Group.Kind.SCHOOL, school=school)
                    .values_list("pk", flat=True).first())
        verified = [user for user in users if user.verified_at is not None]
        if official is not None and verified:
            _made, refused = add_members_in_bulk(
                actor=sync.actor, school=school,
                additions=[(official, user.pk, Membership.Role.MEMBER) for user in verified])
            if refused:
                raise Refused({index: refused[(official, user.pk)]
                                for index, user in new_users if (official, user.pk) in refused})
        index_batch_later("user", [user.pk for user in users])
    if new_mappings:
        SourcedUser.objects.bulk_create(new_mappings)
    if changed_users:
        fields = sorted(set().union(*(names for _user, names in changed_users.values())))
        User.objects.bulk_update([user for user, _names in changed_users.values()], fields)
        index_batch_later("user", list(changed_users))
        events.send(events.PeopleChanged(user_ids=tuple(changed_users)))  # no post_save
    if changed_mappings:
        for mapping in changed_mappings.values():
            mapping.updated_at = now
        SourcedUser.objects.bulk_update(list(changed_mappings.values()),
                                        ["role", "suspended", "updated_at"])

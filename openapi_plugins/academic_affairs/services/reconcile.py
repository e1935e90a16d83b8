"""Class groups and their memberships, made to match the sections' enrolments.

- A Section gets its class group (kind class, private, join by class code, as
  teachers' class groups are) when its first teacher is enrolled, since a group
  needs an owner: the primary teacher (else the first teacher) owns it, the other
  teachers are admins, students are members. Students enrolled before any teacher
  are kept as enrolments and become members when the group is made. A class
  group's owner must be a teacher account.
- Memberships go through the groups app's bulk services (`add_members_in_bulk`,
  `remove_members_in_bulk`, which check the school's authority themselves): the
  group rows are locked, bans and the member cap hold, member_count moves in the
  same transaction, and each section's memberships are reconciled once per batch.
  Those services send MembershipsChanged, as a single join does, so webhooks,
  timelines and sockets hear of a sync exactly as of a join (yiban_core/events.py).
  A user banned from the group, or a full group, rejects the rows that needed it.
- The sync manages only the memberships of the people it enrolled: someone who
  joined with the class code is never removed by a sync. The owner is never left
  without a successor: when the owner's teacher enrolment ends, ownership passes to
  another enrolled teacher (with none left, the owner stays), and a teacher the
  roster marks primary takes ownership from one it does not.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from openapi_plugins.academic_affairs.models import (
    Enrolment,
    Section,
    SourcedUser,
)
from openapi_plugins.academic_affairs.services.batch import (
    Refused,
    Sync,
    index_batch_later,
)
from openapi_plugins.academic_affairs.services.catalogue import group_name
from yiban_core import personal_cache
from yiban_core.errors import Conflict
from yiban_core.groups.models import Group, Membership
from yiban_core.groups.services import (
    add_members_in_bulk,
    new_join_code,
    remove_members_in_bulk,
)


def desired_roles(enrolments: Iterable[tuple[int, str, bool, int]],
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


def pick_owner(desired: dict[int, tuple[str, bool, int]]) -> int | None:
    teachers = [(not primary, pk, user_id) for user_id, (role, primary, pk) in desired.items()
                if role == Enrolment.Role.TEACHER]
    return min(teachers)[2] if teachers else None


def create_class_groups(new: list[tuple[Section, int]]) -> None:
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
    groups = [Group(name=group_name(section), kind=Group.Kind.CLASS,
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
    index_batch_later("group", [group.pk for group in groups])


def reconcile(sync: Sync, touched: dict[int, dict[int, list[int]]]) -> None:
    """Make the class groups' memberships of the touched users match their sections'
    enrolments, for all sections at once: touched is {section id: {user id: [indexes of
    the rows that touched them]}}. A section's class group is made with its first teacher
    (then everyone enrolled is reconciled). A ban or a full group refuses the rows that
    needed the membership (Refused)."""
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
    desired = {pk: desired_roles(enrolled.get(pk, [])) for pk in sections}

    new = [(section, owner_id) for section in sections.values()
           if section.class_group_id is None
           and (owner_id := pick_owner(desired[section.pk])) is not None]
    if new:
        create_class_groups(new)
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
        successor = pick_owner(wanted)
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
    # No post_save: their cached reads that hold their roles (the moderation link,
    # groups.selectors.my_groups) are forgotten here.
    personal_cache.forget(m.user_id for m in (*demoted, *changed) if m.pk is not None)
    additions.sort(key=lambda a: min(blame.get((a[0], a[1]), [-1])))
    _joined, refused = add_members_in_bulk(actor=sync.actor, school=school, additions=additions)
    if refused:
        reasons: dict[int, str] = {}
        for key, reason in refused.items():
            for index in blame.get(key, []):
                reasons.setdefault(index, reason)
        if not reasons:
            raise Conflict(next(iter(refused.values())))
        raise Refused(reasons)
    if transferred:
        Group.objects.bulk_update(transferred, ["owner"])

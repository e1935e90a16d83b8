"""Write a demo Plan to the database in bulk.

This loader bypasses the services on purpose: services do one user action at a
time (permission check, a row lock, a notification, a few queries each), which
for 10,000 users would take many minutes. A data loader is not a user action,
so it writes the models directly with bulk_create in batches, shares ONE
password hash among all generated users, and then recomputes the denormalized
counters (Group.member_count, User.follower_count/following_count) from the rows
with one UPDATE each, so they are exactly right. Every database constraint is
respected by construction (see plan.py); nothing here relies on the services'
side effects (notifications, timelines) because a fresh demo has no history,
except one: search. The people and groups not yet in the search index are
indexed after the commit, one by one as the site's own task does it (about 3 s
for the default 776, nothing on a second run).

Idempotent: rows are matched on natural keys (school name, username, a group's
kind + school + name, the unique (group, user) and (follower, followee) pairs).
A second run with the same arguments finds everything and creates nothing; a
run with a larger --users tops the demo up (plans are prefix-stable). Existing
rows are not rewritten, except the three demo logins, whose password and flags
are reset so the documented login always works.
"""

from collections.abc import Iterable, Iterator
from itertools import islice

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from yiban_core import personal_cache
from yiban_core.accounts.models import Follow, Profile, School, User
from yiban_core.demo import data
from yiban_core.demo.plan import Plan
from yiban_core.groups.models import Ban, Group, JoinRequest, Membership
from yiban_core.groups.services import new_join_code
from yiban_core.privacy.consent_selectors import current_versions, policies_to_agree
from yiban_core.privacy.consent_services import record_policy_consents
from yiban_core.search.models import SearchDocument
from yiban_core.search.tasks import index_object

BATCH = 1000
LOOKUP_CHUNK = 2000


def _chunks(items: Iterable, size: int) -> Iterator[list]:
    it = iter(items)
    while chunk := list(islice(it, size)):
        yield chunk


def _ids_by_username(usernames: list[str]) -> dict[str, int]:
    found: dict[str, int] = {}
    for chunk in _chunks(usernames, LOOKUP_CHUNK):
        found.update(User.objects.filter(username__in=chunk).values_list("username", "pk"))
    return found


def _schools() -> dict[str, School]:
    by_name = {s.name: s for s in School.objects.filter(name__in=[x.name for x in data.SCHOOLS])}
    missing = [
        School(name=x.name, short_name=x.short_name, kind=x.kind, city=x.city)
        for x in data.SCHOOLS if x.name not in by_name
    ]
    School.objects.bulk_create(missing)
    if missing:
        by_name = {s.name: s for s in School.objects.filter(name__in=by_name.keys() | {
            x.name for x in data.SCHOOLS})}
    return {x.code: by_name[x.name] for x in data.SCHOOLS}


def _users(plan: Plan, schools: dict[str, School], password: str) -> tuple[dict[str, int], int]:
    usernames = [u.username for u in plan.users]
    existing = _ids_by_username(usernames)
    # A 学号 already taken in a school (by someone outside the demo) stays with its owner:
    # the demo user is then left unverified rather than breaking the unique constraint.
    taken = set(
        User.objects.filter(school__in=schools.values(), member_number__isnull=False)
        .values_list("school_id", "member_number")
    )
    new = []
    for u in plan.users:
        if u.username in existing:
            continue
        school = schools[u.school] if u.school else None
        number, verified_at = u.member_number, u.verified_at
        if number is not None and (school.pk, number) in taken:
            number = verified_at = None
        new.append(User(
            username=u.username, password=password, display_name=u.display_name,
            last_name=u.surname, first_name=u.given_name, role=u.role, school=school,
            member_number=number, verified_at=verified_at, date_joined=u.date_joined,
            is_staff=u.is_site_admin, is_superuser=u.is_site_admin,
        ))
    User.objects.bulk_create(new, batch_size=BATCH)
    ids = existing | _ids_by_username([u.username for u in new]) if new else existing
    by_id = {u.username: u for u in plan.users}
    # Profiles: one per user (OneToOne), so a conflict means it is already there.
    Profile.objects.bulk_create(
        [Profile(user_id=ids[name], bio=by_id[name].bio, major=by_id[name].major,
                 enrolment_year=by_id[name].enrolment_year) for name in ids],
        batch_size=BATCH, ignore_conflicts=True,
    )
    through = School.administrators.through
    through.objects.bulk_create(
        [through(school_id=schools[code].pk, user_id=ids[name])
         for code, names in plan.school_admins.items() for name in names],
        ignore_conflicts=True,
    )
    return ids, len(new)


def _demo_logins(password: str) -> None:
    """The documented logins always work, even if someone changed them since."""
    User.objects.filter(username__in=data.DEMO_LOGINS).update(password=password, is_active=True)
    User.objects.filter(username=data.DEMO_ADMIN).update(
        is_superuser=True, is_staff=True, role=User.Role.ADMIN)
    # They agreed to the terms and privacy policy in force, as a sign-up does: the demo
    # opens on the home page, not on the agree page.
    versions = current_versions()
    for user in User.objects.filter(username__in=data.DEMO_LOGINS):
        if policies_to_agree(user):
            record_policy_consents(user, versions)
    personal_cache.forget(User.objects.filter(username__in=data.DEMO_LOGINS)
                          .values_list("pk", flat=True))


def _groups(plan: Plan, schools: dict[str, School], ids: dict[str, int]) -> tuple[dict, int]:
    code_of = {s.pk: code for code, s in schools.items()}
    national = [g.name for g in plan.groups if g.school is None]
    existing: dict[tuple, int] = {}
    rows = (
        Group.objects.filter(
            Q(school__in=schools.values()) | Q(school__isnull=True, kind=Group.Kind.INTEREST,
                                               name__in=national)
        ).order_by("-pk").values_list("pk", "kind", "school_id", "name")
    )
    for pk, kind, school_id, name in rows:  # lowest pk wins on duplicate names
        existing[(kind, code_of.get(school_id), "" if kind == Group.Kind.SCHOOL else name)] = pk
    new = [g for g in plan.groups if g.key not in existing]
    codes = _fresh_join_codes(sum(g.kind == Group.Kind.CLASS for g in new))
    Group.objects.bulk_create(
        [Group(kind=g.kind, school=schools[g.school] if g.school else None, name=g.name,
               description=g.description, is_private=g.is_private, join_policy=g.join_policy,
               join_code=codes.pop() if g.kind == Group.Kind.CLASS else None,
               owner_id=ids[g.owner]) for g in new],
        batch_size=BATCH,
    )
    if new:
        return _groups(plan, schools, ids)[0], len(new)
    return existing, 0


def _fresh_join_codes(n: int) -> list[str]:
    codes: set[str] = set()
    while len(codes) < n:
        batch = {new_join_code() for _ in range(n - len(codes))} - codes
        taken = set(Group.objects.filter(join_code__in=batch).values_list("join_code", flat=True))
        codes |= batch - taken
    return sorted(codes)


def _memberships(plan: Plan, groups: dict, ids: dict[str, int]) -> None:
    group_ids = list(groups.values())
    banned = set(Ban.objects.filter(group_id__in=group_ids).values_list("group_id", "user_id"))
    rows = (
        Membership(group_id=groups[key], user_id=ids[name], role=role)
        for key, name, role in plan.memberships
        if (groups[key], ids[name]) not in banned
    )
    for chunk in _chunks(rows, BATCH):
        Membership.objects.bulk_create(chunk, ignore_conflicts=True)
    # A pending request only for someone who never asked and is not already in.
    asked = set(JoinRequest.objects.filter(group_id__in=group_ids)
                .values_list("group_id", "user_id"))
    members = set(Membership.objects.filter(
        group_id__in=[groups[key] for key, _, _ in plan.join_requests]
    ).values_list("group_id", "user_id"))
    JoinRequest.objects.bulk_create(
        [JoinRequest(group_id=groups[key], user_id=ids[name], message=message)
         for key, name, message in plan.join_requests
         if (pair := (groups[key], ids[name])) not in asked and pair not in members
         and pair not in banned],
        batch_size=BATCH, ignore_conflicts=True,
    )


def _follows(plan: Plan, ids: dict[str, int]) -> None:
    rows = (Follow(follower_id=ids[a], followee_id=ids[b]) for a, b in plan.follows)
    for chunk in _chunks(rows, BATCH):
        Follow.objects.bulk_create(chunk, ignore_conflicts=True)


def _count(queryset, field: str):
    counted = (queryset.filter(**{field: OuterRef("pk")}).order_by().values(field)
               .annotate(n=Count("pk")).values("n"))
    return Coalesce(Subquery(counted), 0)


def recount(*, school_ids: list[int], group_ids: list[int]) -> None:
    """Set the denormalized counters from the rows, one UPDATE per counter."""
    for chunk in _chunks(group_ids, LOOKUP_CHUNK):
        Group.objects.filter(pk__in=chunk).update(
            member_count=_count(Membership.objects, "group"))
    User.objects.filter(Q(school_id__in=school_ids) | Q(username__in=data.DEMO_LOGINS)).update(
        follower_count=_count(Follow.objects, "followee"),
        following_count=_count(Follow.objects, "follower"),
    )


def load(plan: Plan) -> dict[str, int]:
    """Write the plan; returns what was created. One transaction: all or nothing."""
    password = make_password(data.DEMO_PASSWORD)  # once, shared by every demo user
    with transaction.atomic():
        schools = _schools()
        ids, new_users = _users(plan, schools, password)
        _demo_logins(password)
        groups, new_groups = _groups(plan, schools, ids)
        _memberships(plan, groups, ids)
        _follows(plan, ids)
        recount(school_ids=[s.pk for s in schools.values()], group_ids=list(groups.values()))
    # After the commit: the index is written as the site's own tasks write it.
    index_missing("user", list(ids.values()))
    index_missing("group", list(groups.values()))
    return {"new_users": new_users, "new_groups": new_groups}


def index_missing(kind: str, object_ids: list[int]) -> int:
    """Put in the search index the demo's people or groups that are not there yet: bulk
    rows bypass the services, so nothing else would make them findable. Ones already
    indexed are left alone, so a second run costs one query per chunk."""
    indexed = 0
    for chunk in _chunks(object_ids, LOOKUP_CHUNK):
        present = set(SearchDocument.objects.filter(kind=kind, object_id__in=chunk)
                      .values_list("object_id", flat=True))
        for pk in chunk:
            if pk not in present:
                index_object.call(kind=kind, object_id=pk)
                indexed += 1
    return indexed


def summary() -> dict[str, int]:
    """Counts of the demo as it now stands in the database."""
    names = [s.name for s in data.SCHOOLS]
    users = User.objects.filter(Q(school__name__in=names) | Q(username__in=data.DEMO_LOGINS))
    groups = Group.objects.filter(Q(school__name__in=names) | Q(
        school__isnull=True, name__in=[c.name for c in data.NATIONAL_CLUBS]))
    by_role = dict(users.order_by().values_list("role").annotate(n=Count("pk")))
    by_kind = dict(groups.order_by().values_list("kind").annotate(n=Count("pk")))
    return {
        "schools": School.objects.filter(name__in=names).count(),
        "students": by_role.get(User.Role.STUDENT, 0),
        "verified_students": users.filter(role=User.Role.STUDENT,
                                          verified_at__isnull=False).count(),
        "teachers": by_role.get(User.Role.TEACHER, 0),
        "school_staff": by_role.get(User.Role.STAFF, 0),
        "class_groups": by_kind.get(Group.Kind.CLASS, 0),
        "interest_groups": by_kind.get(Group.Kind.INTEREST, 0),
        "school_groups": by_kind.get(Group.Kind.SCHOOL, 0),
        "memberships": Membership.objects.filter(group__in=groups).count(),
        "pending_requests": JoinRequest.objects.filter(
            group__in=groups, status=JoinRequest.Status.PENDING).count(),
        "follows": Follow.objects.filter(follower__in=users).count(),
    }

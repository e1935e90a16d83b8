"""Every read of users, schools and follows. Profiles are public, except a minor's (only
their name: accounts.rules.may_see_full_profile); member numbers are not."""

from functools import lru_cache
from typing import NamedTuple

from django.core.cache import cache
from django.db import transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from yiban_core import personal_cache
from yiban_core.accounts.models import Block, Follow, School, User
from yiban_core.actor import Actor
from yiban_core.errors import NotFound
from yiban_core.groups.models import Membership
from yiban_core.groups.rules import can_see_content
from yiban_core.privacy import consent_services as consents


def is_school_admin(user: User | None, school: School | None) -> bool:
    if user is None or school is None:
        return False
    return user.is_site_admin or school.administrators.filter(pk=user.pk).exists()


def users(*, actor: Actor) -> QuerySet[User]:
    actor.require_scope("profile")
    return User.objects.filter(is_active=True).select_related("school", "profile")


def get_user(*, actor: Actor, username: str) -> User:
    user = users(actor=actor).filter(username=username).first()
    if user is None:
        raise NotFound(_("没有这个用户"), field="username")
    return user


def can_see_member_number(*, actor: Actor, user: User) -> bool:
    """The electronic student ID: the user themself and their school's administrators
    (through an app: with `profile:verified` and the person's live consent for the app)."""
    if actor.user is None or not consents.real_name_allowed(actor):
        return False
    return actor.user.pk == user.pk or is_school_admin(actor.user, user.school)


def full_profile_visible(*, actor: Actor, user: User) -> bool:
    """Whether the actor sees `user`'s whole profile or only the name (a minor's: see
    accounts.rules.may_see_full_profile); remembered on the user object for the request."""
    from yiban_core.accounts.rules import may_see_full_profile  # rules reads this module

    seen = user.__dict__.setdefault("_full_profile_for", {})
    key = actor.user_id
    if key not in seen:
        seen[key] = may_see_full_profile(actor.user, user)
    return seen[key]


def hidden_profile_ids(*, actor: Actor, users) -> frozenset[int]:
    """Which of `users` (a page of a list) the actor sees only by name (minors)."""
    from yiban_core.accounts.rules import hidden_profiles_q  # rules reads this module

    ids = [user.pk for user in users]
    if not ids:
        return frozenset()
    return frozenset(User.objects.filter(hidden_profiles_q(actor.user), pk__in=ids)
                     .values_list("pk", flat=True))


def followers(*, actor: Actor, user: User) -> QuerySet[User]:
    if not full_profile_visible(actor=actor, user=user):
        return users(actor=actor).none()
    return (
        users(actor=actor).filter(following_set__followee=user)
        .annotate(followed_at=F("following_set__created_at"))
        .order_by("-followed_at", "-pk")
    )


def following(*, actor: Actor, user: User) -> QuerySet[User]:
    if not full_profile_visible(actor=actor, user=user):
        return users(actor=actor).none()
    return (
        users(actor=actor).filter(follower_set__follower=user)
        .annotate(followed_at=F("follower_set__created_at"))
        .order_by("-followed_at", "-pk")
    )


def suggested_people(*, actor: Actor, limit: int = 6) -> list[User]:
    """People of the viewer's school to follow (the welcome panel): the same major and
    enrolment year first, then the same major, then the same year, then the rest of the
    school; within each, people of the viewer's role (students for a student), then
    school-verified people and those many follow first. Never the
    viewer, someone they already follow, a suspended account or a site admin. None
    without a school: the panel asks for one first."""
    actor.require_scope("profile")
    me = actor.require_user()
    if me.school_id is None:
        return []
    profile = getattr(me, "profile", None)
    major = profile.major if profile else ""
    year = profile.enrolment_year if profile else None
    same_major = Q(profile__major=major) if major else None
    same_year = Q(profile__enrolment_year=year) if year else None
    ranks = []
    if same_major is not None and same_year is not None:
        ranks.append(When(same_major & same_year, then=Value(0)))
    if same_major is not None:
        ranks.append(When(same_major, then=Value(1)))
    if same_year is not None:
        ranks.append(When(same_year, then=Value(2)))
    closeness = (Case(*ranks, default=Value(3), output_field=IntegerField()) if ranks
                 else Value(3))
    followed = Follow.objects.filter(follower=me, followee=OuterRef("pk"))
    return list(
        users(actor=actor).filter(school_id=me.school_id)
        .exclude(pk=me.pk).exclude(role=User.Role.ADMIN).exclude(Exists(followed))
        .annotate(closeness=closeness,
                  other_role=Case(When(role=me.role, then=Value(0)), default=Value(1),
                                  output_field=IntegerField()),
                  unverified=Case(When(verified_at__isnull=True, then=Value(1)),
                                  default=Value(0), output_field=IntegerField()))
        .order_by("closeness", "other_role", "unverified", "-follower_count", "-pk")[:limit]
    )


def blocked_users(*, actor: Actor) -> QuerySet[User]:
    """Whom the signed-in user blocked, the latest first (paginate it). A token reads it
    with feed:read: it is part of what shapes the user's timelines."""
    actor.require_scope("feed:read")
    me = actor.require_user()
    return (
        User.objects.filter(blocked_by_set__blocker=me).select_related("school", "profile")
        .annotate(blocked_at=F("blocked_by_set__created_at"))
        .order_by("-blocked_at", "-pk")
    )


def blocked_ids(user: User | None) -> frozenset[int]:
    """The ids of those `user` blocked: what lists filter in Python (search, mention
    suggestions). Cached per person (yiban_core/personal_cache.py), forgotten when they
    block or unblock someone (accounts/apps.py)."""
    if user is None or not user.is_authenticated:
        return frozenset()
    return personal_cache.read(user, "blocked", lambda: frozenset(
        Block.objects.filter(blocker_id=user.pk).values_list("blocked_id", flat=True)))


def blocked_between_q(user: User, field: str = "pk") -> Q:
    """The people (`field` names their id) a block stands between `user` and, whichever
    made it: whom the user can neither mention nor be mentioned by."""
    return (Q(**{f"{field}__in": Block.objects.filter(blocker_id=user.pk).values("blocked_id")})
            | Q(**{f"{field}__in": Block.objects.filter(blocked_id=user.pk).values("blocker_id")}))


def is_following(*, actor: Actor, user: User) -> bool:
    if actor.user is None:
        return False
    return Follow.objects.filter(follower=actor.user, followee=user).exists()


def schools(*, actor: Actor) -> QuerySet[School]:
    return School.objects.order_by("name", "pk")


class SchoolName(NamedTuple):
    pk: int
    name: str


SCHOOL_NAMES_KEY = "school-names"
SCHOOL_NAMES_S = 3600


def school_names() -> list[SchoolName]:
    """Every school's id and name, by name: the school menus of the search and library
    filters. The same for everyone: cached, forgotten when a school is saved or deleted
    (accounts/apps.py)."""
    names = cache.get(SCHOOL_NAMES_KEY)
    if names is None:
        names = [SchoolName(*row) for row in
                 School.objects.order_by("name", "pk").values_list("pk", "name")]
        cache.set(SCHOOL_NAMES_KEY, names, SCHOOL_NAMES_S)
    return names


def forget_school_names() -> None:
    """Now, and after the commit: past a read of the rows before it."""
    cache.delete(SCHOOL_NAMES_KEY)
    transaction.on_commit(lambda: cache.delete(SCHOOL_NAMES_KEY), robust=True)


def administered_schools(*, actor: Actor) -> QuerySet[School]:
    """The schools the signed-in user administers (whose school pages they may open)."""
    if actor.user is None:
        return School.objects.none()
    return School.objects.filter(administrators=actor.user).order_by("name", "pk")


def administered_school_names(*, actor: Actor) -> list[tuple[int, str]]:
    """(id, short name) of administered_schools, for every page's menu: cached per person,
    forgotten when a school's administrators change."""
    if actor.user is None:
        return []
    return personal_cache.read(actor.user, "administered-schools", lambda: [
        (school.pk, school.short_name or school.name)
        for school in administered_schools(actor=actor)])


def get_school(*, actor: Actor, pk) -> School:
    school = School.objects.filter(pk=pk).first()
    if school is None:
        raise NotFound(_("没有这所学校"), field="school")
    return school


# --- people one knows: @mention autocomplete and plain typed @名字 ------------------------------

SUGGEST_LIMIT = 8
PINYIN_POOL_LIMIT = 3000  # names read to match pinyin in Python, per keystroke


def known_to_q(user: User) -> Q:
    """Whom a plain typed @名字 may name: people the user follows, shares a group with,
    or who are of the user's school. Display names are not unique; among these a name
    is usually one person."""
    q = Q(follower_set__follower=user) | Q(memberships__group__memberships__user=user)
    if user.school_id is not None:
        q |= Q(school_id=user.school_id)
    return q


def people_known_by_name(*, user: User, names: list[str]) -> dict[str, list[int]]:
    """Active people known to the user whose display name is one of `names`: name → ids."""
    found: dict[str, list[int]] = {}
    rows = (User.objects.filter(known_to_q(user), is_active=True, display_name__in=names)
            .values_list("display_name", "pk").distinct())
    for name, pk in rows:
        found.setdefault(name, []).append(pk)
    return found


@lru_cache(maxsize=20000)
def pinyin_keys(name: str) -> tuple[str, str]:
    """A name's full pinyin and its initials, lower case: 李月婷 → liyueting, lyt."""
    return ("".join(lazy_pinyin(name)).lower(),
            "".join(lazy_pinyin(name, style=Style.FIRST_LETTER)).lower())


def _matches(query: str, display_name: str, username: str) -> bool:
    q = query.lower()
    if display_name.lower().startswith(q) or username.lower().startswith(q):
        return True
    if q.isascii():
        full, initials = pinyin_keys(display_name)
        return full.startswith(q) or initials.startswith(q)
    return False


def suggest_people(*, actor: Actor, query: str, group=None,
                   limit: int = SUGGEST_LIMIT) -> list[User]:
    """People to @mention, for the composer's autocomplete: matching the start of the
    name, its pinyin (full or initials) or the username. People the user follows and
    members of the group being posted to come first, then members of the user's other
    groups, then the user's school; someone else only by their exact username (as a
    typed @username would reach them). A group the user may not read adds nobody."""
    actor.require_scope("profile")
    me = actor.require_user()
    query = (query or "").strip().lstrip("@")[:40]
    if not query:
        return []
    rank: dict[int, int] = {}
    for pk in Membership.objects.filter(group__memberships__user=me) \
            .values_list("user_id", flat=True)[:PINYIN_POOL_LIMIT]:
        rank[pk] = 1
    close = set(Follow.objects.filter(follower=me).order_by("-created_at")
                .values_list("followee_id", flat=True)[:PINYIN_POOL_LIMIT])
    if group is not None and can_see_content(actor, group):
        close.update(group.memberships.values_list("user_id", flat=True)[:PINYIN_POOL_LIMIT])
    rank.update(dict.fromkeys(close, 0))
    # Those close to me are always read; the rest of my school up to a bound, since
    # pinyin is matched here in Python (a Chinese prefix the database matches itself).
    others = Q(username__iexact=query)
    if me.school_id is not None:
        others |= Q(school_id=me.school_id)
    from yiban_core.accounts.rules import hidden_profiles_q  # rules reads this module

    others &= ~hidden_profiles_q(me)  # a minor is not found by strangers (accounts/rules.py)
    rows = []
    for pool in (Q(pk__in=list(rank)), others & ~Q(pk__in=list(rank))):
        people = User.objects.filter(pool, is_active=True).exclude(pk=me.pk).exclude(
            blocked_between_q(me))  # a mention would not reach them (accounts/rules.py)
        if not query.isascii():
            people = people.filter(display_name__startswith=query)
        rows += people.values_list("pk", "display_name", "username", "school_id") \
            .order_by("pk")[:PINYIN_POOL_LIMIT]

    def order(row) -> tuple:
        pk, name, username, school_id = row
        closeness = rank.get(pk, 2 if school_id == me.school_id and school_id else 3)
        exact = name == query or username.lower() == query.lower()
        return (closeness, not exact, len(name), name, pk)

    chosen = sorted((row for row in rows if _matches(query, row[1], row[2])), key=order)[:limit]
    ids = [row[0] for row in chosen]
    by_id = users(actor=actor).in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]

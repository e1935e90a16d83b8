"""Every read of users, schools and follows. Profiles are public; member numbers are not."""

from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from yiban_core.accounts.models import Follow, School, User
from yiban_core.actor import Actor
from yiban_core.errors import NotFound


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
    """The electronic student ID: the user themself and their school's administrators."""
    if actor.user is None or not actor.has_scope("profile:verified"):
        return False
    return actor.user.pk == user.pk or is_school_admin(actor.user, user.school)


def followers(*, actor: Actor, user: User) -> QuerySet[User]:
    return (
        users(actor=actor).filter(following_set__followee=user)
        .annotate(followed_at=F("following_set__created_at"))
        .order_by("-followed_at", "-pk")
    )


def following(*, actor: Actor, user: User) -> QuerySet[User]:
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


def is_following(*, actor: Actor, user: User) -> bool:
    if actor.user is None:
        return False
    return Follow.objects.filter(follower=actor.user, followee=user).exists()


def schools(*, actor: Actor) -> QuerySet[School]:
    return School.objects.order_by("name", "pk")


def get_school(*, actor: Actor, pk) -> School:
    school = School.objects.filter(pk=pk).first()
    if school is None:
        raise NotFound(_("没有这所学校"), field="school")
    return school

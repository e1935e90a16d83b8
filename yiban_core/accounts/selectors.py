"""Every read of users, schools and follows. Profiles are public; member numbers are not."""

from django.db.models import F, QuerySet
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


def is_following(*, actor: Actor, user: User) -> bool:
    if actor.user is None:
        return False
    return Follow.objects.filter(follower=actor.user, followee=user).exists()


def schools(*, actor: Actor) -> QuerySet[School]:
    return School.objects.order_by("name", "pk")


def administered_schools(*, actor: Actor) -> QuerySet[School]:
    """The schools the signed-in user administers (whose school pages they may open)."""
    if actor.user is None:
        return School.objects.none()
    return School.objects.filter(administrators=actor.user).order_by("name", "pk")


def get_school(*, actor: Actor, pk) -> School:
    school = School.objects.filter(pk=pk).first()
    if school is None:
        raise NotFound(_("没有这所学校"), field="school")
    return school

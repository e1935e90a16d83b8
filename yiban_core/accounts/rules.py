"""Who may address whom, and their school.

Blocks (拉黑, accounts.models.Block): a block stands between two people whichever of
them made it. Neither follows, mentions, comments on, likes, reposts, invites or
messages the other (`require_not_blocked`, asked by each of those services, and
`may_contact` for messages); the blocker no longer sees the blocked person's posts
and comments (feeds/visibility.py, yiban_core/search). Unblocking lifts it all, but
follows ended by the block stay ended.

Who may address their school: the rule the services enforce and the pages ask
(which visibility choices to offer).

School-only posts and resources are read by the school's verified members
(User.verified_school_id), so only a verified member may publish them: an account
that merely picked a school must not speak to that school's members as one of them.

A minor's profile (minors mode, 未成年人模式): `may_see_full_profile`; the rest of the
site sees only their name.

Who speaks for a school's roster (its members, its class groups' memberships): a school
app acting for that school with `school:roster`, or the school's administrator in a web
session (a user's OAuth token never carries the scope).
"""

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiban_core.accounts.models import Block, Follow, School, User
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.actor import Actor
from yiban_core.errors import Invalid, PermissionDenied


def may_publish_to_school(user: User | None) -> bool:
    return user is not None and user.verified_school_id is not None


def require_school_publisher(user: User) -> None:
    if not may_publish_to_school(user):
        raise Invalid(_("通过学校认证后才能发布仅本校可见的内容"), field="visibility")


def require_roster_authority(actor: Actor, school: School, *, denied: str | None = None) -> None:
    """PermissionDenied unless `actor` may manage `school`'s roster (see the top)."""
    actor.require_scope("school:roster")
    if actor.user is None and actor.school is not None:  # a school app
        if actor.school.pk != school.pk:
            raise PermissionDenied(_("此应用代表的是另一所学校"))
        return
    if not is_school_admin(actor.require_user(), school):
        raise PermissionDenied(denied or _("只有学校管理员可以管理本校名单"))


def has_blocked(blocker: User | None, blocked: User | None) -> bool:
    """Whether `blocker` blocked `blocked` (one direction)."""
    if blocker is None or blocked is None:
        return False
    return Block.objects.filter(blocker_id=blocker.pk, blocked_id=blocked.pk).exists()


def is_blocked(a: User | None, b: User | None) -> bool:
    """Whether a block stands between a and b, whichever of them made it."""
    if a is None or b is None or a.pk == b.pk:
        return False
    return Block.objects.filter(Q(blocker_id=a.pk, blocked_id=b.pk)
                                | Q(blocker_id=b.pk, blocked_id=a.pk)).exists()


def require_not_blocked(user: User, other: User | None, *, doing: str,
                        field: str | None = None) -> None:
    """PermissionDenied, saying who blocked whom, when a block stands between `user`
    (who acts) and `other` (whom it would reach). `doing`: what was refused (评论, 点赞)."""
    if other is None or other.pk == user.pk:
        return
    found = set(Block.objects.filter(Q(blocker_id=user.pk, blocked_id=other.pk)
                                     | Q(blocker_id=other.pk, blocked_id=user.pk))
                .values_list("blocker_id", flat=True))
    if other.pk in found:
        raise PermissionDenied(_("对方已将你拉黑，无法%(doing)s") % {"doing": doing}, field=field)
    if user.pk in found:
        raise PermissionDenied(_("你已将对方拉黑，取消拉黑后才能%(doing)s") % {"doing": doing},
                               field=field)


def may_contact(sender: User | None, recipient: User | None) -> bool:
    """Whether `sender` may send `recipient` a message (for the messages app): not while
    a block stands between them."""
    return sender is not None and recipient is not None and not is_blocked(sender, recipient)


ADULT_AGE = 18


def is_minor(user: User | None, *, today=None) -> bool:
    """Minors mode (未成年人网络保护条例) is on for a person the school marked a minor, or
    whose birth date says they are under 18. No birth date and no mark: not a minor."""
    profile = getattr(user, "profile", None) if user is not None else None
    if profile is None:
        return False
    if profile.minor_by_school:
        return True
    born = profile.birth_date
    if born is None:
        return False
    today = today or timezone.localdate()
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age < ADULT_AGE


def minor_q(*, today=None, prefix: str = "profile__") -> Q:
    """`is_minor` as a query, over users (or profiles, with prefix ""): for lists."""
    today = today or timezone.localdate()
    # Born after this day 18 years ago (29 February falls back to the 28th).
    adult_born_by = today.replace(year=today.year - ADULT_AGE,
                                  day=28 if (today.month, today.day) == (2, 29) else today.day)
    return (Q(**{f"{prefix}minor_by_school": True})
            | Q(**{f"{prefix}birth_date__gt": adult_born_by}))


def may_see_full_profile(viewer: User | None, person: User) -> bool:
    """Whether `viewer` sees `person`'s whole profile (bio, school, major, enrolment year,
    avatar, follower and following lists and counts). Everyone's, except a minor's: theirs
    is shown to themselves, to verified members of their school (the same members a
    school-only post reaches), to the people the minor follows, to their school's
    administrators and to site admins (moderation). Anyone else, signed in or not, and
    search see only the display name and username. Asked once per viewer and person."""
    if not is_minor(person):
        return True
    if viewer is None or not viewer.is_authenticated:
        return False
    if viewer.pk == person.pk or viewer.is_site_admin:
        return True
    if person.school_id is not None and viewer.verified_school_id == person.school_id:
        return True
    if Follow.objects.filter(follower_id=person.pk, followee_id=viewer.pk).exists():
        return True
    return person.school is not None and person.school.administrators.filter(
        pk=viewer.pk).exists()


def hidden_profiles_q(viewer: User | None, *, field: str = "") -> Q:
    """The people (`field`: the path to the user, "author__" ...) whose profile is hidden
    from `viewer` (`may_see_full_profile` as a query, for lists and search; a school's
    administrators who are not its verified members are left to the per-person rule)."""
    hidden = minor_q(prefix=f"{field}profile__")
    if viewer is None or not viewer.is_authenticated:
        return hidden
    if viewer.is_site_admin:
        return Q(pk__in=[])
    hidden &= ~Q(**{f"{field}pk": viewer.pk})
    if viewer.verified_school_id is not None:
        hidden &= ~Q(**{f"{field}school_id": viewer.verified_school_id})
    return hidden & ~Q(**{f"{field}pk__in": Follow.objects.filter(followee_id=viewer.pk)
                          .values("follower_id")})

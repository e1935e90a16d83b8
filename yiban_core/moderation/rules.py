"""Who may do what in moderation.

- The sensitive-word lists: the site list, site admins; a school's list, its
  administrators too. Only in a web session (or the shell): a token never edits a list.
- The review queue (jurisdiction): see jurisdiction_q, moderates, may_decide.
- Mutes: is_muted, asked by the services that publish posts and comments.
- Pre-moderation (先审后发, issue 19 item 5): premoderation_reason is the one rule of which
  posts and comments wait for a moderator; may_set_school_premoderation, who sets a
  school's default.
"""

import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from yiban_core.accounts.models import School, User
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.actor import Actor
from yiban_core.errors import PermissionDenied
from yiban_core.groups.models import Group, Membership
from yiban_core.moderation.models import Decision, Sanction, SanctionKind
from yiban_core.moderation.targets import kind_of


def may_edit_word_list(actor: Actor, school: School | None) -> bool:
    if actor.scopes is not None or actor.user is None or not actor.user.is_active:
        return False
    if school is None:
        return actor.is_site_admin
    return is_school_admin(actor.user, school)


# --- the review queue: who decides a case (issue 19, item 2) --------------------------------

MODERATION_SCOPE = "moderation"  # a user's token: the queue and decisions of their jurisdiction


def _moderator(actor: Actor):
    """The user who acts as a moderator, or None (anonymous, inactive, a school app, a token
    without the moderation scope)."""
    user = actor.user
    if user is None or not user.is_active or not actor.has_scope(MODERATION_SCOPE):
        return None
    return user


def jurisdiction_q(actor: Actor) -> Q | None:
    """The cases the actor moderates as a query on Case, or None for none: site admins all;
    a group's owner and admins their group's; a school's administrators their school's.
    Never a case about the actor's own content (its reporters stay unknown to them)."""
    user = _moderator(actor)
    if user is None:
        return None
    if actor.is_site_admin:
        return ~Q(author_id=user.pk)
    managed = Membership.objects.filter(user=user, role__in=Membership.MANAGER_ROLES)
    schools = School.objects.filter(administrators=user)
    return ((Q(group_id__in=managed.values("group_id")) | Q(school_id__in=schools.values("pk")))
            & ~Q(author_id=user.pk))


def has_jurisdiction(actor: Actor) -> bool:
    """Whether the actor moderates anything (the queue's link in the account menu)."""
    user = _moderator(actor)
    if user is None:
        return False
    return (actor.is_site_admin
            or Membership.objects.filter(user=user, role__in=Membership.MANAGER_ROLES).exists()
            or School.objects.filter(administrators=user).exists())


def moderates(actor: Actor, case) -> bool:
    """Whether the case is in the actor's jurisdiction (see jurisdiction_q)."""
    user = _moderator(actor)
    if user is None or case.author_id == user.pk:
        return False
    if actor.is_site_admin:
        return True
    if case.group_id is not None and Membership.objects.filter(
            user=user, group_id=case.group_id, role__in=Membership.MANAGER_ROLES).exists():
        return True
    return case.school_id is not None and School.objects.filter(
        pk=case.school_id, administrators=user).exists()


def may_decide(actor: Actor, case) -> bool:
    """A moderator of the case, and for an appeal not the one who made the decision
    appealed against (the pages show the decision form only when this holds)."""
    if not moderates(actor, case):
        return False
    return case.appealed_at is None or case.first_moderator_id != actor.user_id


def require_decider(actor: Actor, case) -> None:
    actor.require_scope(MODERATION_SCOPE)
    actor.require_user()
    if case.author_id == actor.user_id:
        raise PermissionDenied(_("不能审核与自己有关的内容"))
    if not moderates(actor, case):
        raise PermissionDenied(_("这条审核不在你的管辖范围内"))
    if not may_decide(actor, case):
        raise PermissionDenied(_("申诉须由另一位审核员复核"))


def may_suspend(actor: Actor, case) -> bool:
    """Suspending an account reaches past any one group: the administrators of the case's
    school and site admins, not a group's managers."""
    if actor.is_site_admin:
        return True
    return case.school_id is not None and School.objects.filter(
        pk=case.school_id, administrators=actor.user_id).exists()


def decisions_for(actor: Actor, case) -> list[str]:
    """The decisions the actor may choose for an open case (the page's choices)."""
    if case.appealed_at is not None:
        return [Decision.APPROVE, UPHOLD]
    allowed = [Decision.APPROVE, Decision.DISMISS, Decision.WARN, Decision.MUTE]
    kind = kind_of(case.target_type.model_class())
    if kind is not None and kind.hideable:
        allowed.insert(2, Decision.REMOVE)  # groups and people have no content state
    if may_suspend(actor, case):
        allowed.append(Decision.SUSPEND)
    if case.group_id is not None:
        allowed.append(Decision.BAN)
    return allowed


UPHOLD = "uphold"  # an appeal's other outcome: the decision stands (not stored as a decision)


def is_muted(user) -> bool:
    """An unlifted mute still running: no posting or commenting (feeds services ask)."""
    if user is None or user.pk is None:
        return False
    return Sanction.objects.filter(user_id=user.pk, kind=SanctionKind.MUTE,
                                   lifted_at__isnull=True, until__gt=timezone.now()).exists()


def require_not_muted(user) -> None:
    if is_muted(user):
        raise PermissionDenied(_("你已被禁言，禁言期间不能发布动态或评论"))


def may_see_state(actor: Actor, author_id: int | None) -> bool:
    """Who is told a content row's moderation state (审核中, 已删除): its author, and site
    admins (the queue's moderators see it on the case)."""
    user = actor.user
    if user is None:
        return False
    return user.pk == author_id or actor.is_site_admin


# --- pre-moderation (先审后发) ---------------------------------------------------------

GROUP, SCHOOL, NEW_ACCOUNT = "group", "school", "new_account"

# A web address as spammers write one: a scheme, "www.", or a host under a common
# top-level domain (checked on the NFKC form, so full-width ｈｔｔｐ：／／ counts too).
_LINK = re.compile(
    r"(?:https?://|www\.)\S"
    r"|\b[a-z0-9][a-z0-9-]*(?:\.[a-z0-9-]+)*\."
    r"(?:com|cn|net|org|edu|gov|info|top|xyz|cc|io|me|vip|club|site|online|shop|link|app)"
    r"(?![a-z0-9-])",
    re.IGNORECASE | re.ASCII,
)


def contains_link(text: str) -> bool:
    return bool(_LINK.search(unicodedata.normalize("NFKC", text or "")))


def is_new_account(user: User) -> bool:
    hours = settings.MODERATION_NEW_ACCOUNT_HOURS
    return hours > 0 and timezone.now() - user.date_joined < timedelta(hours=hours)


def premoderation_reason(*, author: User, group: Group | None = None,
                         school: School | None = None, has_link: bool = False,
                         has_image: bool = False) -> str | None:
    """Why a post or comment `author` is writing must wait for a moderator before anyone
    else sees it (GROUP, SCHOOL or NEW_ACCOUNT), or None when it is published at once.

    group: the group it is written in (a comment: its post's group). school: for text
    outside a group, the school whose space it is in (a school-only post, or a comment on
    one); a group's school is taken from the group.

    1. The group's own switch (Group.premoderate) when its managers set one; else
    2. the school's default (School.premoderate_default): it covers the school's groups
       that did not choose and school-only posts, not public posts or posts to followers,
       which are the author's own space and belong to no school's jurisdiction;
    3. a new account (MODERATION_NEW_ACCOUNT_HOURS since sign-up) with a link or an image
       (Discourse's new-user limits: spam comes from fresh accounts with links).

    Those who would decide the case are never held by it: site admins, the group's owner
    and admins, the school's administrators (a moderator cannot approve their own text).
    """
    if author.is_site_admin:
        return None
    if group is not None:
        school = group.school
        if Membership.objects.filter(group=group, user=author,
                                     role__in=Membership.MANAGER_ROLES).exists():
            return None
    if school is not None and is_school_admin(author, school):
        return None
    if group is not None and group.premoderate is not None:
        if group.premoderate:
            return GROUP
    elif school is not None and school.premoderate_default:
        return SCHOOL
    if (has_link or has_image) and is_new_account(author):
        return NEW_ACCOUNT
    return None


def may_set_school_premoderation(actor: Actor, school: School) -> bool:
    """A school's administrators (and site admins), in a web session."""
    return (actor.scopes is None and actor.user is not None and actor.user.is_active
            and is_school_admin(actor.user, school))

"""Who may edit the sensitive-word lists: the site list, site admins; a school's list, its
administrators too. Only in a web session (or the shell): a token never edits a list.

Pre-moderation (先审后发, issue 19 item 5): premoderation_reason is the one rule of which
posts and comments wait for a moderator; may_set_school_premoderation, who sets a school's
default."""

import re
import unicodedata
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from yiban_core.accounts.models import School, User
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.actor import Actor
from yiban_core.groups.models import Group, Membership


def may_edit_word_list(actor: Actor, school: School | None) -> bool:
    if actor.scopes is not None or actor.user is None or not actor.user.is_active:
        return False
    if school is None:
        return actor.is_site_admin
    return is_school_admin(actor.user, school)


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

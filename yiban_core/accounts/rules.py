"""Who may address their school: the rule the services enforce and the pages ask
(which visibility choices to offer).

School-only posts and resources are read by the school's verified members
(User.verified_school_id), so only a verified member may publish them: an account
that merely picked a school must not speak to that school's members as one of them.

Who speaks for a school's roster (its members, its class groups' memberships): a school
app acting for that school with `school:roster`, or the school's administrator in a web
session (a user's OAuth token never carries the scope).
"""

from django.utils.translation import gettext as _

from yiban_core.accounts.models import School, User
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

"""Who may do what with posts and comments: the one place these rules are written.

The services ask here and refuse (they stay the authority); the pages ask here which
buttons to show, and the API's viewerCan* fields answer from here. A rule takes the
facts it needs already read: `role` is the actor's role in the post's group (None when
not a member, or not a group post), so a page asks for a whole page of posts without
a query per post; yiban_core.groups.rules.role_in reads it for one group.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from feeds.models import Comment, Post, Visibility
from yiban_core.actor import Actor
from yiban_core.errors import PermissionDenied
from yiban_core.groups.models import Group, Membership


def _writer(actor: Actor) -> bool:
    return actor.user is not None and actor.has_scope("feed:write")


def moderates(actor: Actor, post: Post, role: str | None) -> bool:
    """A site admin, or a manager of the post's group."""
    return actor.is_site_admin or (post.group_id is not None
                                   and role in Membership.MANAGER_ROLES)


def may_edit_post(actor: Actor, post: Post) -> bool:
    return _writer(actor) and post.author_id == actor.user.pk


def may_delete_post(actor: Actor, post: Post, role: str | None) -> bool:
    return _writer(actor) and (post.author_id == actor.user.pk or moderates(actor, post, role))


def may_pin(actor: Actor, post: Post, role: str | None) -> bool:
    """Group announcements are set by the group's owner and admins."""
    return _writer(actor) and post.group_id is not None and role in Membership.MANAGER_ROLES


def may_announce_in(actor: Actor, group: Group, role: str | None) -> bool:
    """Publishing straight as an announcement: whoever may pin a post of the group."""
    return _writer(actor) and role in Membership.MANAGER_ROLES and group.archived_at is None


def may_delete_comment(actor: Actor, comment: Comment, post: Post, role: str | None) -> bool:
    """Its author, the post's author, or whoever moderates the post."""
    return _writer(actor) and (actor.user.pk in (comment.author_id, post.author_id)
                               or moderates(actor, post, role))


def may_repost(actor: Actor, original: Post) -> bool:
    """Only public posts travel: a repost must not widen a post's audience."""
    return _writer(actor) and original.visibility == Visibility.PUBLIC


def may_post_in(group: Group, role: str | None) -> bool:
    """Members post in their groups; a school's official group: its managers only; an
    archived group: nobody."""
    return role is not None and group.archived_at is None and (
        group.kind != Group.Kind.SCHOOL or role in Membership.MANAGER_ROLES)


def require_may_post_in(group: Group, role: str | None) -> None:
    if role is None:
        raise PermissionDenied(_("只有群成员可以在群里发动态"))
    if group.archived_at is not None:
        raise PermissionDenied(_("这个群已归档，只能查看"))
    if not may_post_in(group, role):
        raise PermissionDenied(_("学校官方群只有管理员可以发布"))

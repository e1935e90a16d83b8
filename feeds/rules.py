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
from yiban_core.accounts.rules import is_minor, may_publish_to_school
from yiban_core.actor import Actor
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.groups.models import Group, Membership


def capped_visibility(author, visibility: str) -> str:
    """Minors mode (未成年人模式, no public profile): a minor's post is never public. Asked
    for public, it is published (or edited) as school-only when the minor is a verified
    member of a school, else for their followers; the composer says so. Other choices
    stand. A post published before minors mode began keeps its visibility."""
    if visibility != Visibility.PUBLIC or not is_minor(author):
        return visibility
    return Visibility.SCHOOL if may_publish_to_school(author) else Visibility.FOLLOWERS


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


# --- polls and announcement receipts -------------------------------------------------------


def poll_is_open(poll, now) -> bool:
    return now < poll.closes_at


def may_vote(actor: Actor, post: Post, poll, role: str | None, now) -> bool:
    """A reader of the post votes while the poll is open; a group's poll is its members'."""
    return (_writer(actor) and poll_is_open(poll, now)
            and (post.group_id is None or role is not None))


def sees_poll_results(actor: Actor, post: Post, poll, now) -> bool:
    """The counts: unless the author hid them until the poll closes (the author sees them)."""
    return (not poll.results_hidden or not poll_is_open(poll, now)
            or (actor.user is not None and actor.user.pk == post.author_id))


def sees_poll_voters(actor: Actor, post: Post, poll, now) -> bool:
    """Who voted what: a named poll's readers, when they see the counts. An anonymous
    poll's voters are shown to nobody, its author and site admins included."""
    return not poll.anonymous and sees_poll_results(actor, post, poll, now)


def sees_read_receipts(actor: Actor, post: Post, role: str | None) -> bool:
    """Who has read a group announcement: the group's owner and admins."""
    return (actor.user is not None and post.is_announcement and post.group_id is not None
            and role in Membership.MANAGER_ROLES)


def may_remind_unread(actor: Actor, post: Post, role: str | None) -> bool:
    return _writer(actor) and sees_read_receipts(actor, post, role)


def may_mention_everyone(actor: Actor, group: Group | None, role: str | None) -> bool:
    """@所有人 in a group post: its owner and admins, and teachers among its members."""
    if actor.user is None or group is None or role is None:
        return False
    return role in Membership.MANAGER_ROLES or actor.user.role == actor.user.Role.TEACHER


def require_may_mention_everyone(actor: Actor, group: Group | None, role: str | None) -> None:
    if group is None:
        raise Invalid(_("@所有人 只能在群里使用"), field="text")
    if not may_mention_everyone(actor, group, role):
        raise PermissionDenied(_("只有群主、管理员或老师可以 @所有人"), field="text")

"""Who may do what in a group: the one place these rules are written.

Services and selectors both ask here, so the web UI, GraphQL and plugins agree; the
pages ask the `may_*` rules which buttons to show. A rule takes the actor's `role` in
the group already read (None: not a member), so a page of groups costs no query per
group; `role_in` reads it for one.
"""

from django.db.models import F, Q
from django.utils.translation import gettext as _

# A module import: accounts.selectors asks these rules in turn (group members to mention).
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import NotAuthenticated, PermissionDenied
from yiban_core.groups.models import Group, Membership
from yiban_core.privacy import consent_services as consents


def membership(user: User | None, group: Group) -> Membership | None:
    if user is None:
        return None
    return Membership.objects.filter(group=group, user=user).first()


def is_member(user: User | None, group: Group) -> bool:
    return user is not None and Membership.objects.filter(group=group, user=user).exists()


def role_in(actor: Actor, group: Group | None) -> str | None:
    if group is None:
        return None
    member = membership(actor.user, group)
    return member.role if member is not None else None


def may_manage(actor: Actor, role: str | None) -> bool:
    """Owner or admin of the group (a site admin moderates any group): settings, join
    requests, invitations, removals and bans, the class code."""
    return (actor.user is not None and actor.has_scope("groups:write")
            and (role in Membership.MANAGER_ROLES or actor.is_site_admin))


def sees_member_numbers(actor: Actor, group: Group, role: str | None) -> bool:
    """The members' 学号/工号 (the member table, its CSV): the group's managers and the
    administrators of the group's school, in a web session or with profile:verified.
    Members never see each other's numbers."""
    return (actor.user is not None and consents.real_name_allowed(actor)
            and (may_manage(actor, role)
                 or account_selectors.is_school_admin(actor.user, group.school)))


def may_set_roles(actor: Actor, role: str | None) -> bool:
    """Promoting, demoting and handing over the group are the owner's."""
    return (actor.user is not None and actor.has_scope("groups:write")
            and role == Membership.Role.OWNER)


def may_remove(actor: Actor, role: str | None, target_role: str) -> bool:
    """Removing or banning a member: a manager, never the owner, and an admin not
    another admin."""
    return (may_manage(actor, role) and target_role != Membership.Role.OWNER
            and not (role == Membership.Role.ADMIN and target_role == Membership.Role.ADMIN))


def may_delete_group(actor: Actor, group: Group, role: str | None) -> bool:
    """The owner deletes their group; a school's official group, only a site admin."""
    if actor.is_site_admin:
        return True
    return may_set_roles(actor, role) and group.kind != Group.Kind.SCHOOL


def sees_join_code(group: Group, role: str | None) -> bool:
    """The class code is handed out by the class's owner and admins."""
    return group.join_code is not None and role in Membership.MANAGER_ROLES


def join_route(user: User | None, group: Group, *, banned: bool = False) -> str | None:
    """How `user`, not yet a member, gets into `group` from a list of groups: "join" (an
    open group, or their own school's official group once verified), "request" (managers
    approve), or None (a class code, an invitation, or not at all). `joinable_q` is the
    same rule as a query; the services refuse whatever it leaves out."""
    if (user is None or banned or group.archived_at is not None
            or (group.member_cap is not None and group.member_count >= group.member_cap)):
        return None
    if group.kind == Group.Kind.SCHOOL:
        return "join" if user.is_verified and user.school_id == group.school_id else None
    return {Group.JoinPolicy.OPEN: "join",
            Group.JoinPolicy.APPROVAL: "request"}.get(group.join_policy)


def joinable_q(user: User) -> Q:
    """The groups `join_route` opens to `user` (members and the banned are left to the
    caller, who knows them by subquery)."""
    room = Q(member_cap__isnull=True) | Q(member_count__lt=F("member_cap"))
    routes = (~Q(kind=Group.Kind.SCHOOL)
              & Q(join_policy__in=[Group.JoinPolicy.OPEN, Group.JoinPolicy.APPROVAL]))
    if user.is_verified:
        routes |= Q(kind=Group.Kind.SCHOOL, school_id=user.school_id)
    return Q(archived_at__isnull=True) & room & routes


def school_app_reads_q(school_id: int, prefix: str = "") -> Q:
    """The groups a school app of `school_id` reads (`prefix` reaches a group from
    another model, e.g. "group__"): its school's groups, except a private interest group
    (a counselling group, a club) whose managers have not opted in. Class groups (the
    roster's too) and the official group are the school's own business.
    `school_app_reads` is the same rule for one group in hand."""
    return Q(**{f"{prefix}school_id": school_id}) & (
        ~Q(**{f"{prefix}kind": Group.Kind.INTEREST})
        | Q(**{f"{prefix}is_private": False})
        | Q(**{f"{prefix}school_apps_may_read": True}))


def school_app_reads(school_id: int, group: Group) -> bool:
    return group.school_id == school_id and (
        group.kind != Group.Kind.INTEREST or not group.is_private or group.school_apps_may_read)


def can_see_content(actor: Actor, group: Group) -> bool:
    """Posts, members and resources of a private group are for its members only (and
    for the school's apps, as school_app_reads_q says)."""
    if not actor.has_scope("groups:read"):
        return False
    if actor.school is not None and actor.user is None:  # a school app
        return school_app_reads(actor.school.pk, group)
    return not group.is_private or is_member(actor.user, group)


def require_content_access(actor: Actor, group: Group) -> None:
    if can_see_content(actor, group):
        return
    actor.require_scope("groups:read")
    if actor.user is None and actor.school is None:
        raise NotAuthenticated(_("这是私密群，请先登录"))
    raise PermissionDenied(_("这是私密群，只有成员可以查看"))


def require_manager(actor: Actor, group: Group) -> Membership | None:
    """Owner or admin of the group (a site admin moderates any group)."""
    actor.require_scope("groups:write")
    user = actor.require_user()
    member = membership(user, group)
    if may_manage(actor, member.role if member is not None else None):
        return member
    raise PermissionDenied(_("只有群主或管理员可以这样做"))


def require_owner(actor: Actor, group: Group) -> Membership:
    actor.require_scope("groups:write")
    member = membership(actor.require_user(), group)
    if not may_set_roles(actor, member.role if member is not None else None):
        raise PermissionDenied(_("只有群主可以这样做"))
    return member

"""GraphQL types, queries and mutations of groups and memberships.

Thin: parse the input, call a selector or a service with the request's actor,
shape the output. Who may see what is decided in groups.selectors and
groups.rules: anyone can find a group, but a private group's members are for
its members only (`members` is null with a PERMISSION_DENIED error for anyone
else), pending join requests and bans are for its managers, and the class
join code is shown to managers only (null for everyone else).

Listing groups costs a fixed number of queries whatever the page size: the
selector joins owner and school, member_count is a column, and the viewer's
roles in the page's groups are read in one query (`_prime_viewer_roles`).
"""

from __future__ import annotations

import graphene

from yiban_core.accounts.schema import SchoolNode, UserNode, school_from_input
from yiban_core.graphql.cache import request_memo
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum, enum_value
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import Node, decode_global_id, global_id
from yiban_core.groups import rules, selectors, services
from yiban_core.groups.models import Ban, Group, Invitation, JoinRequest, Membership
from yiban_core.ratelimit import client_ip

GroupKind = choices_enum("GroupKind", Group.Kind, "群类型：班级群、兴趣群、学校官方群")
JoinPolicy = choices_enum(
    "JoinPolicy", Group.JoinPolicy, "加入方式：自由加入、需审核、凭班级码加入、仅限邀请"
)
MemberRole = choices_enum("MemberRole", Membership.Role, "群内身份：群主、管理员、成员")
JoinRequestStatus = choices_enum("JoinRequestStatus", JoinRequest.Status, "入群申请的状态")
InvitationStatus = choices_enum("InvitationStatus", Invitation.Status, "入群邀请的状态")


def _viewer_roles(info) -> dict[int, str | None]:
    """Per request: the viewer's role in each group seen so far (None: not a member)."""
    return request_memo(info, "viewer_roles")


def _prime_viewer_roles(info, groups: list[Group]) -> None:
    """One query for the viewer's roles in a whole page of groups, instead of one per group."""
    user = info.context.actor.user
    roles = _viewer_roles(info)
    ids = [group.pk for group in groups if group.pk not in roles]
    if not ids:
        return
    found = {}
    if user is not None:
        found = dict(
            Membership.objects.filter(user=user, group_id__in=ids).values_list("group_id", "role")
        )
    for pk in ids:
        roles[pk] = found.get(pk)


def group_from_input(info, value, field: str = "groupId") -> Group:
    pk = decode_global_id(value, expected="Group", field=field)
    return selectors.get_group(actor=info.context.actor, pk=pk)


def groups_connection(info, connection, qs, first, after):
    result = resolve_connection(connection, qs, first=first, after=after)
    _prime_viewer_roles(info, [edge.node for edge in result.edges])
    return result


class MembershipNode(graphene.ObjectType):
    """A person's place in a group."""

    class Meta:
        name = "Membership"
        interfaces = (Node,)
        possible_types = (Membership,)

    user = graphene.Field(UserNode, required=True)
    group = graphene.Field(lambda: GroupNode, required=True)
    role = graphene.Field(MemberRole, required=True)
    joined_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> Membership | None:
        # Found only through the group's member list, so a private group's
        # memberships stay hidden from non-members.
        group_id = Membership.objects.filter(pk=pk).values_list("group_id", flat=True).first()
        if group_id is None:
            return None
        group = selectors.get_group(actor=info.context.actor, pk=group_id)
        return selectors.members(actor=info.context.actor, group=group).filter(pk=pk).first()


class MembershipConnection(Connection):
    class Meta:
        node = MembershipNode


class JoinRequestNode(graphene.ObjectType):
    """A request to join a group that needs approval (需审核)."""

    class Meta:
        name = "JoinRequest"
        interfaces = (Node,)
        possible_types = (JoinRequest,)

    group = graphene.Field(lambda: GroupNode, required=True)
    user = graphene.Field(UserNode, required=True)
    message = graphene.String(required=True)
    status = graphene.Field(JoinRequestStatus, required=True)
    created_at = graphene.DateTime(required=True)
    decided_at = graphene.DateTime()

    @classmethod
    def get_node(cls, info, pk: int) -> JoinRequest | None:
        # Pending requests are seen by the group's managers.
        group_id = JoinRequest.objects.filter(pk=pk).values_list("group_id", flat=True).first()
        if group_id is None:
            return None
        group = selectors.get_group(actor=info.context.actor, pk=group_id)
        return selectors.pending_requests(actor=info.context.actor, group=group).filter(
            pk=pk).first()


class JoinRequestConnection(Connection):
    class Meta:
        node = JoinRequestNode


class InvitationNode(graphene.ObjectType):
    """An invitation to join a group, sent by one of its managers."""

    class Meta:
        name = "Invitation"
        interfaces = (Node,)
        possible_types = (Invitation,)

    group = graphene.Field(lambda: GroupNode, required=True)
    inviter = graphene.Field(UserNode, required=True)
    status = graphene.Field(InvitationStatus, required=True)
    created_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> Invitation | None:
        # The invitee's own pending invitations.
        return selectors.my_invitations(actor=info.context.actor).filter(pk=pk).first()


class InvitationConnection(Connection):
    class Meta:
        node = InvitationNode


class BanType(graphene.ObjectType):
    """Someone barred from a group (seen by its managers)."""

    class Meta:
        name = "Ban"
        possible_types = (Ban,)

    user = graphene.Field(UserNode, required=True)
    reason = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)


class BanConnection(Connection):
    class Meta:
        node = BanType


class GroupNode(graphene.ObjectType):
    """A class group (班级群), interest group (兴趣群) or a school's official group."""

    class Meta:
        name = "Group"
        interfaces = (Node,)
        possible_types = (Group,)

    name = graphene.String(required=True)
    kind = graphene.Field(GroupKind, required=True)
    description = graphene.String(required=True)
    school = graphene.Field(SchoolNode)
    is_private = graphene.Boolean(required=True, description="私密群的成员和内容只有成员能看到")
    join_policy = graphene.Field(JoinPolicy, required=True)
    school_apps_may_read = graphene.Boolean(
        required=True,
        description="私密兴趣群是否允许本校安装的学校应用读取成员、动态和资源（由群主和管理员开启）",
    )
    member_cap = graphene.Int(description="人数上限；null 表示不限")
    member_count = graphene.Int(required=True)
    owner = graphene.Field(UserNode, required=True)
    created_at = graphene.DateTime(required=True)
    join_code = graphene.String(description="班级码：只有群主和管理员可见，其他人为 null")
    viewer_role = graphene.Field(MemberRole, description="当前用户在群里的身份；不是成员为 null")
    viewer_has_pending_request = graphene.Boolean(
        required=True, description="当前用户有一条待审核的入群申请"
    )
    viewer_can_manage = graphene.Boolean(
        required=True, description="当前用户能否管理这个群：设置、审核、邀请、移除和封禁"
    )
    members = connection_field(
        MembershipConnection,
        "成员：群主、管理员在前。私密群只有成员能看，其他人得到 null 和 PERMISSION_DENIED",
    )
    pending_requests = connection_field(
        JoinRequestConnection, "待审核的入群申请（群主和管理员），最早的在前"
    )
    bans = connection_field(BanConnection, "被封禁的人（群主和管理员）")

    @classmethod
    def get_node(cls, info, pk: int) -> Group:
        return selectors.get_group(actor=info.context.actor, pk=pk)

    @staticmethod
    def resolve_join_code(group: Group, info) -> str | None:
        role = GroupNode.resolve_viewer_role(group, info)  # batched for a page of groups
        return group.join_code if rules.sees_join_code(group, role) else None

    @staticmethod
    def resolve_viewer_role(group: Group, info) -> str | None:
        roles = _viewer_roles(info)
        if group.pk not in roles:
            member = selectors.viewer_membership(actor=info.context.actor, group=group)
            roles[group.pk] = member.role if member else None
        return roles[group.pk]

    @staticmethod
    def resolve_viewer_can_manage(group: Group, info) -> bool:
        return rules.may_manage(info.context.actor, GroupNode.resolve_viewer_role(group, info))

    @staticmethod
    def resolve_viewer_has_pending_request(group: Group, info) -> bool:
        return selectors.pending_request_of(actor=info.context.actor, group=group) is not None

    @staticmethod
    def resolve_members(group: Group, info, first=None, after=None):
        qs = selectors.members(actor=info.context.actor, group=group)
        return resolve_connection(MembershipConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_pending_requests(group: Group, info, first=None, after=None):
        qs = selectors.pending_requests(actor=info.context.actor, group=group)
        return resolve_connection(JoinRequestConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_bans(group: Group, info, first=None, after=None):
        qs = selectors.bans(actor=info.context.actor, group=group)
        return resolve_connection(BanConnection, qs, first=first, after=after)


class GroupConnection(Connection):
    class Meta:
        node = GroupNode


class Query(graphene.ObjectType):
    groups = connection_field(
        GroupConnection,
        "找群：按名称或简介搜索，人多的在前",
        query=graphene.String(description="群名或简介里的字"),
        kind=graphene.Argument(GroupKind),
        school_id=graphene.ID(),
    )
    group = graphene.Field(GroupNode, id=graphene.ID(required=True))
    my_groups = connection_field(GroupConnection, "我加入的群，最近加入的在前")
    my_invitations = connection_field(InvitationConnection, "我收到的待处理邀请")

    @staticmethod
    def resolve_groups(root, info, first=None, after=None, query="", kind=None, school_id=None):
        school = school_from_input(info, school_id) if school_id else None
        qs = selectors.groups(actor=info.context.actor, query=query or "",
                              kind=enum_value(kind), school_id=school.pk if school else None)
        return groups_connection(info, GroupConnection, qs, first, after)

    @staticmethod
    def resolve_group(root, info, id: str) -> Group:
        return group_from_input(info, id, field="id")

    @staticmethod
    def resolve_my_groups(root, info, first=None, after=None):
        qs = selectors.groups_of(actor=info.context.actor)
        return groups_connection(info, GroupConnection, qs, first, after)

    @staticmethod
    def resolve_my_invitations(root, info, first=None, after=None):
        qs = selectors.my_invitations(actor=info.context.actor)
        return resolve_connection(InvitationConnection, qs, first=first, after=after)


# --- mutations ---------------------------------------------------------------------


def _request_id(value) -> int:
    return decode_global_id(value, expected="JoinRequest", field="requestId")


class CreateGroup(DomainMutation):
    """Create a group; the viewer becomes its owner. Class groups: teachers with a school."""

    class Input:
        name = graphene.String(required=True)
        kind = graphene.Field(GroupKind, required=True)
        description = graphene.String()
        is_private = graphene.Boolean()
        join_policy = graphene.Field(JoinPolicy)
        member_cap = graphene.Int()
        school_id = graphene.ID(description="兴趣群可挂在自己的学校下；学校官方群必填")

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, name, kind, description="", is_private=None, join_policy=None,
                member_cap=None, school_id=None):
        group = services.create_group(
            actor=actor, name=name, kind=enum_value(kind), description=description or "",
            is_private=is_private, join_policy=enum_value(join_policy), member_cap=member_cap,
            school=school_from_input(info, school_id),
        )
        return {"group": group}


class UpdateGroup(DomainMutation):
    """Change a group's settings (owner and admins).

    Fields left out stay as they are; memberCap null removes the cap.
    """

    class Input:
        group_id = graphene.ID(required=True)
        name = graphene.String()
        description = graphene.String()
        is_private = graphene.Boolean()
        join_policy = graphene.Field(JoinPolicy)
        member_cap = graphene.Int()
        school_apps_may_read = graphene.Boolean(
            description="只对兴趣群：允许本校的学校应用读取这个私密群")

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id, **data):
        group = group_from_input(info, group_id)
        if "join_policy" in data:
            data["join_policy"] = enum_value(data["join_policy"])
        return {"group": services.update_group(actor=actor, group=group, **data)}


class JoinGroup(DomainMutation):
    """Join an open group, or one's school's official group.

    Other groups are joined by request, class join code or invitation.
    """

    class Input:
        group_id = graphene.ID(required=True)

    membership = graphene.Field(MembershipNode)
    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id):
        member = services.join_group(actor=actor, group=group_from_input(info, group_id))
        return {"membership": member, "group": member.group}


class JoinByCode(DomainMutation):
    """Join a class group with its join code (班级码), as read aloud in class."""

    class Input:
        code = graphene.String(required=True)

    membership = graphene.Field(MembershipNode)
    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, code):
        member = services.join_by_code(actor=actor, code=code, client_ip=client_ip(info.context))
        return {"membership": member, "group": member.group}


class RequestToJoin(DomainMutation):
    class Input:
        group_id = graphene.ID(required=True)
        message = graphene.String(description="申请理由，最多 200 字")

    join_request = graphene.Field(JoinRequestNode)

    @classmethod
    def perform(cls, info, actor, group_id, message=""):
        request = services.request_to_join(actor=actor, group=group_from_input(info, group_id),
                                           message=message or "")
        return {"join_request": request}


class ApproveJoinRequest(DomainMutation):
    class Input:
        request_id = graphene.ID(required=True)

    join_request = graphene.Field(JoinRequestNode)
    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, request_id):
        request = services.decide_request(actor=actor, request_id=_request_id(request_id),
                                          approve=True)
        return {"join_request": request, "group": request.group}


class RejectJoinRequest(DomainMutation):
    class Input:
        request_id = graphene.ID(required=True)

    join_request = graphene.Field(JoinRequestNode)

    @classmethod
    def perform(cls, info, actor, request_id):
        request = services.decide_request(actor=actor, request_id=_request_id(request_id),
                                          approve=False)
        return {"join_request": request}


class CancelJoinRequest(DomainMutation):
    """Withdraw one's own pending request."""

    class Input:
        request_id = graphene.ID(required=True)

    cancelled_request_id = graphene.ID()

    @classmethod
    def perform(cls, info, actor, request_id):
        services.cancel_request(actor=actor, request_id=_request_id(request_id))
        return {"cancelled_request_id": request_id}


class Invite(DomainMutation):
    class Input:
        group_id = graphene.ID(required=True)
        username = graphene.String(required=True)

    invitation = graphene.Field(InvitationNode)

    @classmethod
    def perform(cls, info, actor, group_id, username):
        invitation = services.invite(actor=actor, group=group_from_input(info, group_id),
                                     username=username)
        return {"invitation": invitation}


class AnswerInvitation(DomainMutation):
    class Input:
        invitation_id = graphene.ID(required=True)
        accept = graphene.Boolean(required=True)

    invitation = graphene.Field(InvitationNode)
    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, invitation_id, accept):
        pk = decode_global_id(invitation_id, expected="Invitation", field="invitationId")
        invitation = services.answer_invitation(actor=actor, invitation_id=pk, accept=accept)
        return {"invitation": invitation, "group": invitation.group}


class LeaveGroup(DomainMutation):
    class Input:
        group_id = graphene.ID(required=True)

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id):
        group = group_from_input(info, group_id)
        services.leave_group(actor=actor, group=group)
        return {"group": group}


class RemoveMember(DomainMutation):
    class Input:
        group_id = graphene.ID(required=True)
        username = graphene.String(required=True)

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id, username):
        group = group_from_input(info, group_id)
        services.remove_member(actor=actor, group=group, username=username)
        return {"group": group}


class BanMember(DomainMutation):
    """Remove someone (if a member) and bar them from joining again."""

    class Input:
        group_id = graphene.ID(required=True)
        username = graphene.String(required=True)
        reason = graphene.String()

    group = graphene.Field(GroupNode)
    ban = graphene.Field(BanType)

    @classmethod
    def perform(cls, info, actor, group_id, username, reason=""):
        group = group_from_input(info, group_id)
        ban = services.ban_member(actor=actor, group=group, username=username,
                                  reason=reason or "")
        return {"group": group, "ban": ban}


class UnbanMember(DomainMutation):
    class Input:
        group_id = graphene.ID(required=True)
        username = graphene.String(required=True)

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id, username):
        group = group_from_input(info, group_id)
        services.unban_member(actor=actor, group=group, username=username)
        return {"group": group}


class SetMemberRole(DomainMutation):
    """Make a member an admin or back (owner only)."""

    class Input:
        group_id = graphene.ID(required=True)
        username = graphene.String(required=True)
        role = graphene.Field(MemberRole, required=True, description="ADMIN 或 MEMBER")

    membership = graphene.Field(MembershipNode)

    @classmethod
    def perform(cls, info, actor, group_id, username, role):
        member = services.set_member_role(actor=actor, group=group_from_input(info, group_id),
                                          username=username, role=enum_value(role))
        return {"membership": member}


class TransferOwnership(DomainMutation):
    """Hand the group to another member (owner only); the old owner becomes an admin."""

    class Input:
        group_id = graphene.ID(required=True)
        username = graphene.String(required=True)

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id, username):
        group = services.transfer_ownership(actor=actor, group=group_from_input(info, group_id),
                                            username=username)
        return {"group": group}


class RegenerateJoinCode(DomainMutation):
    """A new class join code; the old one stops working."""

    class Input:
        group_id = graphene.ID(required=True)

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id):
        group = services.regenerate_join_code(actor=actor,
                                              group=group_from_input(info, group_id))
        return {"group": group}


class DeleteGroup(DomainMutation):
    class Input:
        group_id = graphene.ID(required=True)

    deleted_group_id = graphene.ID()

    @classmethod
    def perform(cls, info, actor, group_id):
        group = group_from_input(info, group_id)
        deleted_id = global_id("Group", group.pk)
        services.delete_group(actor=actor, group=group)
        return {"deleted_group_id": deleted_id}


class Mutation(graphene.ObjectType):
    create_group = CreateGroup.Field()
    update_group = UpdateGroup.Field()
    join_group = JoinGroup.Field()
    join_by_code = JoinByCode.Field()
    request_to_join = RequestToJoin.Field()
    approve_join_request = ApproveJoinRequest.Field()
    reject_join_request = RejectJoinRequest.Field()
    cancel_join_request = CancelJoinRequest.Field()
    invite = Invite.Field()
    answer_invitation = AnswerInvitation.Field()
    leave_group = LeaveGroup.Field()
    remove_member = RemoveMember.Field()
    ban_member = BanMember.Field()
    unban_member = UnbanMember.Field()
    set_member_role = SetMemberRole.Field()
    transfer_ownership = TransferOwnership.Field()
    regenerate_join_code = RegenerateJoinCode.Field()
    delete_group = DeleteGroup.Field()


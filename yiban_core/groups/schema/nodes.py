"""The GraphQL types of groups, memberships, join requests, invitations and bans."""

from __future__ import annotations

import graphene

from yiban_core.accounts.schema import SchoolNode, UserNode
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum
from yiban_core.graphql.relay import Node, decode_global_id
from yiban_core.groups import rules, selectors
from yiban_core.groups.models import Ban, Group, Invitation, JoinRequest, Membership
from yiban_core.groups.schema.loaders import ViewerRoles

GroupKind = choices_enum("GroupKind", Group.Kind, "群类型：班级群、兴趣群、学校官方群")
JoinPolicy = choices_enum(
    "JoinPolicy", Group.JoinPolicy, "加入方式：自由加入、需审核、凭班级码加入、仅限邀请"
)
MemberRole = choices_enum("MemberRole", Membership.Role, "群内身份：群主、管理员、成员")
JoinRequestStatus = choices_enum("JoinRequestStatus", JoinRequest.Status, "入群申请的状态")
InvitationStatus = choices_enum("InvitationStatus", Invitation.Status, "入群邀请的状态")


class GroupPremoderation(graphene.Enum):
    """群的先审后发设置（Group.premoderate）：SCHOOL_DEFAULT 跟随学校的默认设置
    （没有学校的群即关闭），ON 开启，OFF 关闭。"""

    SCHOOL_DEFAULT = "school_default"
    ON = "on"
    OFF = "off"


PREMODERATION_OF = {None: "school_default", True: "on", False: "off"}
PREMODERATE_FROM = {value: setting for setting, value in PREMODERATION_OF.items()}


def group_from_input(info, value, field: str = "groupId") -> Group:
    pk = decode_global_id(value, expected="Group", field=field)
    return selectors.get_group(actor=info.context.actor, pk=pk)


def groups_connection(info, connection, qs, first, after):
    result = resolve_connection(connection, qs, first=first, after=after)
    ViewerRoles.of(info).queue(edge.node for edge in result.edges)
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
    premoderation = graphene.Field(
        GroupPremoderation, required=True,
        description="先审后发：开启时成员发的动态和评论经群主或管理员审核后才对他人可见",
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
    def resolve_premoderation(group: Group, info) -> str:
        return PREMODERATION_OF[group.premoderate]

    @staticmethod
    def resolve_join_code(group: Group, info) -> str | None:
        role = GroupNode.resolve_viewer_role(group, info)  # batched for a page of groups
        return group.join_code if rules.sees_join_code(group, role) else None

    @staticmethod
    def resolve_viewer_role(group: Group, info) -> str | None:
        return ViewerRoles.of(info).load(group)

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

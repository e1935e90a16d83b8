"""The mutations of groups: creating, joining, leaving and running a group."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from yiban_core.accounts.schema import school_from_input
from yiban_core.errors import Invalid
from yiban_core.graphql.enums import enum_value
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import decode_global_id, global_id
from yiban_core.groups import services
from yiban_core.groups.schema.nodes import (
    PREMODERATE_FROM,
    BanType,
    GroupKind,
    GroupNode,
    GroupPremoderation,
    InvitationNode,
    JoinPolicy,
    JoinRequestNode,
    MemberRole,
    MembershipNode,
    group_from_input,
)
from yiban_core.ratelimit import client_ip


def _request_id(value) -> int:
    return decode_global_id(value, expected="JoinRequest", field="requestId")


class CreateGroup(DomainMutation):
    """Create a group; the viewer becomes its owner. Class groups: teachers with a school."""

    scope = "groups:write"

    class Input:
        name = graphene.String(required=True)
        kind = GroupKind(required=True)
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

    scope = ("groups:write", "groups:read")

    class Input:
        group_id = graphene.ID(required=True)
        name = graphene.String()
        description = graphene.String()
        is_private = graphene.Boolean()
        join_policy = graphene.Field(JoinPolicy)
        member_cap = graphene.Int()
        school_apps_may_read = graphene.Boolean(
            description="只对兴趣群：允许本校的学校应用读取这个私密群")
        premoderation = graphene.Field(GroupPremoderation,
                                       description="先审后发：开启、关闭或跟随学校的默认设置")

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id, **data):
        group = group_from_input(info, group_id)
        if "join_policy" in data:
            data["join_policy"] = enum_value(data["join_policy"])
        if data.get("premoderation") is not None:
            data["premoderate"] = PREMODERATE_FROM[enum_value(data.pop("premoderation"))]
        data.pop("premoderation", None)  # null: unchanged, as for the other fields
        return {"group": services.update_group(actor=actor, group=group, **data)}


class JoinGroup(DomainMutation):
    """Join an open group, or one's school's official group.

    Other groups are joined by request, class join code or invitation.
    """

    scope = ("groups:write", "groups:read")

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

    scope = "groups:write"

    class Input:
        code = graphene.String(required=True)

    membership = graphene.Field(MembershipNode)
    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, code):
        member = services.join_by_code(actor=actor, code=code, client_ip=client_ip(info.context))
        return {"membership": member, "group": member.group}


class RequestToJoin(DomainMutation):
    scope = ("groups:write", "groups:read")

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
    scope = "groups:write"

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
    scope = "groups:write"

    class Input:
        request_id = graphene.ID(required=True)

    join_request = graphene.Field(JoinRequestNode)

    @classmethod
    def perform(cls, info, actor, request_id):
        request = services.decide_request(actor=actor, request_id=_request_id(request_id),
                                          approve=False)
        return {"join_request": request}


class DecideJoinRequests(DomainMutation):
    """Approve or reject many pending requests to one group at once (owner and admins).

    All or nothing: a request already decided, of another group or unknown, or an
    approval a ban or the member cap refuses, changes nothing."""

    scope = ("groups:write", "groups:read")

    class Input:
        group_id = graphene.ID(required=True)
        request_ids = graphene.List(graphene.NonNull(graphene.ID), required=True,
                                    description="最多 500 条")
        approve = graphene.Boolean(required=True)

    join_requests = graphene.List(graphene.NonNull(JoinRequestNode))
    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id, request_ids, approve):
        group = group_from_input(info, group_id)
        ids = [_request_id(value) for value in request_ids[:services.MAX_BULK_DECISIONS + 1]]
        requests = services.decide_requests(actor=actor, group=group, request_ids=ids,
                                            approve=approve)
        group.refresh_from_db(fields=["member_count"])
        return {"join_requests": requests, "group": group}


class CancelJoinRequest(DomainMutation):
    """Withdraw one's own pending request."""

    scope = "groups:write"

    class Input:
        request_id = graphene.ID(required=True)

    cancelled_request_id = graphene.ID()

    @classmethod
    def perform(cls, info, actor, request_id):
        services.cancel_request(actor=actor, request_id=_request_id(request_id))
        return {"cancelled_request_id": request_id}


class Invite(DomainMutation):
    scope = ("groups:write", "groups:read")

    class Input:
        group_id = graphene.ID(required=True)
        user_id = graphene.ID(description="被邀请的人（User 的全局 ID）；或给 username")
        username = graphene.String(description="被邀请的人的用户名；或给 userId")

    invitation = graphene.Field(InvitationNode)

    @classmethod
    def perform(cls, info, actor, group_id, user_id=None, username=None):
        if (user_id is None) == (username is None):
            raise Invalid(_("请给出 userId 或 username 之一"), field="userId")
        invitation = services.invite(actor=actor, group=group_from_input(info, group_id),
                                     user_id=(decode_global_id(user_id, expected="User",
                                                               field="userId")
                                              if user_id is not None else None),
                                     username=username)
        return {"invitation": invitation}


class AnswerInvitation(DomainMutation):
    scope = "groups:write"

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
    scope = ("groups:write", "groups:read")

    class Input:
        group_id = graphene.ID(required=True)

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id):
        group = group_from_input(info, group_id)
        services.leave_group(actor=actor, group=group)
        return {"group": group}


class RemoveMember(DomainMutation):
    scope = ("groups:write", "groups:read")

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

    scope = ("groups:write", "groups:read")

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
    scope = ("groups:write", "groups:read")

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

    scope = ("groups:write", "groups:read")

    class Input:
        group_id = graphene.ID(required=True)
        username = graphene.String(required=True)
        role = MemberRole(required=True, description="ADMIN 或 MEMBER")

    membership = graphene.Field(MembershipNode)

    @classmethod
    def perform(cls, info, actor, group_id, username, role):
        member = services.set_member_role(actor=actor, group=group_from_input(info, group_id),
                                          username=username, role=enum_value(role))
        return {"membership": member}


class TransferOwnership(DomainMutation):
    """Hand the group to another member (owner only); the old owner becomes an admin."""

    scope = ("groups:write", "groups:read")

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

    scope = ("groups:write", "groups:read")

    class Input:
        group_id = graphene.ID(required=True)

    group = graphene.Field(GroupNode)

    @classmethod
    def perform(cls, info, actor, group_id):
        group = services.regenerate_join_code(actor=actor,
                                              group=group_from_input(info, group_id))
        return {"group": group}


class DeleteGroup(DomainMutation):
    scope = ("groups:write", "groups:read")

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
    decide_join_requests = DecideJoinRequests.Field()
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

"""The root query fields of groups."""

from __future__ import annotations

import graphene

from yiban_core.accounts.schema import MAX_SUGGESTIONS, school_from_input, suggestion_count
from yiban_core.graphql.connections import connection_field, resolve_connection
from yiban_core.graphql.enums import enum_value
from yiban_core.graphql.scopes import ScopedField
from yiban_core.groups import selectors
from yiban_core.groups.models import Group
from yiban_core.groups.schema.loaders import ViewerRoles
from yiban_core.groups.schema.nodes import (
    GroupConnection,
    GroupKind,
    GroupNode,
    InvitationConnection,
    group_from_input,
    groups_connection,
)


class Query(graphene.ObjectType):
    groups = connection_field(
        GroupConnection,
        "找群：按名称或简介搜索，人多的在前；其他学校的班级群和私密群不会列出",
        query=graphene.String(description="群名或简介里的字"),
        kind=graphene.Argument(GroupKind),
        school_id=graphene.ID(),
        scope="groups:read",
    )
    group = ScopedField(GroupNode, id=graphene.ID(required=True), scope="groups:read")
    my_groups = connection_field(GroupConnection, "我加入的群，最近加入的在前",
                                 scope="groups:read")
    my_invitations = connection_field(InvitationConnection, "我收到的待处理邀请",
                                      scope="groups:read")
    suggested_groups = ScopedField(
        graphene.List(graphene.NonNull(GroupNode)), required=True,
        description="本校我可以加入或申请加入的群，名字或简介提到我专业的在前；没有选择学校时为空",
        first=graphene.Int(description=f"最多几个，默认 6，至多 {MAX_SUGGESTIONS}"),
        scope="groups:read",
    )

    @staticmethod
    def resolve_suggested_groups(root, info, first=None) -> list[Group]:
        found = selectors.suggested_groups(actor=info.context.actor,
                                           limit=suggestion_count(first))
        ViewerRoles.of(info).queue(found)
        return found

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

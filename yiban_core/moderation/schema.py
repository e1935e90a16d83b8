"""GraphQL of moderation: reporting (举报) content, and the state a content row's author sees.

`reportContent` takes the target by its global ID (Post, Comment, Resource, Rating, Group,
User); the report it returns says its reason, when, and whether its case is still open: never
who else reported, nor what became of the author beyond that.
"""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _
from graphql_relay import from_global_id

from yiban_core.errors import Invalid, NotFound
from yiban_core.graphql.enums import choices_enum, enum_value
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import global_id
from yiban_core.ids import parse_id
from yiban_core.moderation import rules, services
from yiban_core.moderation.models import CaseStatus, ContentState, Report, ReportReason
from yiban_core.moderation.targets import by_type_name

ReportReasonEnum = choices_enum("ReportReason", ReportReason, "举报理由")
CaseStatusEnum = choices_enum("CaseStatus", CaseStatus, "审核单状态：OPEN 处理中，DECIDED 已处理")
ContentStateEnum = choices_enum(
    "ContentState", ContentState,
    "内容的审核状态：VISIBLE 正常可见，HELD 审核中（只有作者和管理员看得到），REMOVED 已被删除")


def moderation_state_field() -> graphene.Field:
    """The `moderationState` field of a content type: null except for its author and admins."""
    return graphene.Field(ContentStateEnum,
                          description="审核状态；只有作者本人和管理员能看到，其他人为 null")


def resolve_moderation_state(info, obj, author_id: int | None):
    return obj.moderation if rules.may_see_state(info.context.actor, author_id) else None


class ReportType(graphene.ObjectType):
    """A report as its reporter sees it."""

    class Meta:
        name = "Report"

    id = graphene.ID(required=True)
    reason = graphene.Field(ReportReasonEnum, required=True)
    created_at = graphene.DateTime(required=True)
    status = graphene.Field(CaseStatusEnum, required=True,
                            description="举报所在审核单的状态（处理结果会另行通知举报人）")

    @staticmethod
    def resolve_id(report: Report, info) -> str:
        return global_id("Report", report.pk)

    @staticmethod
    def resolve_status(report: Report, info) -> str:
        return report.case.status


def target_from_input(actor, value) -> object:
    """The target a client names by global ID, as the actor may see it (else NOT_FOUND)."""
    try:
        type_name, raw_pk = from_global_id(str(value or ""))
    except (ValueError, TypeError, UnicodeDecodeError):
        raise Invalid(_("不是有效的 ID"), field="targetId") from None
    kind = by_type_name(type_name)
    pk = parse_id(raw_pk) if kind is not None else None
    if kind is None or pk is None:
        raise Invalid(_("这个 ID 指向的内容不能举报"), field="targetId")
    try:
        return kind.load_visible(actor, pk)
    except NotFound:
        raise NotFound(_("举报的内容不存在或你无权查看"), field="targetId") from None


class ReportContent(DomainMutation):
    """Report (举报) a post, comment, resource, review, group or person. One open report per
    reporter and target; the reported person never learns who reported; the reporter is told
    the outcome. Reporting a resource, review, group or person also needs the scope that
    reads it (`resources:read`, `groups:read`, `profile`): nobody reports what they cannot see."""

    scope = ("feed:write", "feed:read")

    class Input:
        target_id = graphene.ID(required=True, description="被举报对象的全局 ID")
        reason = graphene.Field(ReportReasonEnum, required=True)
        detail = graphene.String(description="补充说明，最多 500 字")

    report = graphene.Field(ReportType)

    @classmethod
    def perform(cls, info, actor, target_id, reason, detail=None):
        actor.require_scope("feed:write")  # before the lookup: a token without it learns nothing
        target = target_from_input(actor, target_id)
        report = services.report_content(actor=actor, target=target,
                                         reason=enum_value(reason), detail=detail or "")
        return {"report": report}


class Mutation(graphene.ObjectType):
    report_content = ReportContent.Field()




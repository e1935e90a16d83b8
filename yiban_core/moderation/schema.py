"""GraphQL of moderation: reporting (举报) content, the state a content row's author sees,
and the review queue (`moderationQueue`, `decideReport`, `appealDecision`).

`reportContent` takes the target by its global ID (Post, Comment, Resource, Rating, Group,
User); the report it returns says its reason, when, and whether its case is still open: never
who else reported, nor what became of the author beyond that.

The queue is thin, as everywhere: the selectors decide which cases a moderator sees (their
jurisdiction) and the services who may decide or appeal what. Reporters are named
(`reports`) to the case's moderators only; its author sees the case without them.
"""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _
from graphql_relay import from_global_id

from yiban_core.accounts.schema import SchoolNode, UserNode
from yiban_core.errors import Invalid, NotFound
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum, enum_value
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import Node, decode_global_id, global_id
from yiban_core.groups.schema import GroupNode
from yiban_core.ids import parse_id
from yiban_core.moderation import rules, selectors, services
from yiban_core.moderation.models import (
    Case,
    CaseOrigin,
    CaseStatus,
    ContentState,
    Decision,
    Report,
    ReportReason,
)
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
        reason = ReportReasonEnum(required=True, description="举报理由")
        detail = graphene.String(description="补充说明，最多 500 字")

    report = graphene.Field(ReportType)

    @classmethod
    def perform(cls, info, actor, target_id, reason, detail=None):
        actor.require_scope("feed:write")  # before the lookup: a token without it learns nothing
        target = target_from_input(actor, target_id)
        report = services.report_content(actor=actor, target=target,
                                         reason=enum_value(reason), detail=detail or "")
        return {"report": report}



# --- the review queue ----------------------------------------------------------------------

CaseOriginEnum = choices_enum("ModerationCaseOrigin", CaseOrigin,
                              "审核单来源：用户举报、敏感词、先审后发")


class ModerationDecision(graphene.Enum):
    """审核处理：通过、驳回举报、删除内容、警告、禁言、封禁账号、移出群组；申诉时为通过（恢复）或维持"""

    APPROVE = Decision.APPROVE.value
    DISMISS = Decision.DISMISS.value
    REMOVE = Decision.REMOVE.value
    WARN = Decision.WARN.value
    MUTE = Decision.MUTE.value
    SUSPEND = Decision.SUSPEND.value
    BAN = Decision.BAN.value
    UPHOLD = rules.UPHOLD


def _case_id(value) -> int:
    return decode_global_id(value, expected="ModerationCase", field="caseId")


class ReasonCount(graphene.ObjectType):
    reason = graphene.String(required=True, description="举报理由代码，如 ad")
    label = graphene.String(required=True, description="举报理由，如 广告/代考代写")
    count = graphene.Int(required=True)


class ModerationReport(graphene.ObjectType):
    """One report of a case, for the case's moderators."""

    reporter = graphene.Field(UserNode, required=True)
    reason = graphene.String(required=True)
    detail = graphene.String(required=True)
    created_at = graphene.DateTime(required=True)


class ModerationCaseNode(graphene.ObjectType):
    """A case (审核单): one reported, held or flagged target, with its reports grouped."""

    class Meta:
        name = "ModerationCase"
        interfaces = (Node,)
        possible_types = (Case,)

    target_kind = graphene.String(required=True, description="Post、Comment、Resource、Rating、"
                                  "Group 或 User")
    target_id = graphene.ID(required=True, description="对象的全局 ID")
    target_path = graphene.String(description="对象所在页面的地址；已不存在时为 null")
    content_state = graphene.Field(ContentStateEnum, description="审核状态；群组和用户为 null")
    excerpt = graphene.String(required=True)
    author = graphene.Field(UserNode)
    group = graphene.Field(GroupNode)
    school = graphene.Field(SchoolNode)
    origin = graphene.Field(CaseOriginEnum, required=True)
    status = graphene.Field(CaseStatusEnum, required=True)
    report_count = graphene.Int(required=True)
    reason_counts = graphene.List(graphene.NonNull(ReasonCount), required=True)
    reports = graphene.List(graphene.NonNull(ModerationReport), required=True,
                            description="举报人及理由：只有审核员可见，作者看到的是空列表")
    decision = graphene.Field(ModerationDecision)
    reason = graphene.String(required=True, description="处理理由（作者会看到）")
    mute_days = graphene.Int()
    decided_at = graphene.DateTime()
    appeal_text = graphene.String(required=True)
    appealed_at = graphene.DateTime()
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    viewer_can_decide = graphene.Boolean(required=True)
    viewer_decisions = graphene.List(graphene.NonNull(ModerationDecision), required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> Case | None:
        actor = info.context.actor
        if actor.user is not None and actor.has_scope(rules.MODERATION_SCOPE):
            for status in selectors.STATUSES:
                found = selectors.queue_cases(actor=actor, status=status).filter(pk=pk).first()
                if found is not None:
                    return selectors.describe_cases(actor=actor, cases=[found])[0]
        return selectors.my_case(actor=actor, case_id=pk)

    @staticmethod
    def resolve_target_kind(case: Case, info) -> str:
        return case.kind.type_name if case.kind else case.target_type.model

    @staticmethod
    def resolve_target_id(case: Case, info) -> str:
        name = case.kind.type_name if case.kind else case.target_type.model
        return global_id(name, case.target_id)

    @staticmethod
    def resolve_target_path(case: Case, info) -> str | None:
        return case.path

    @staticmethod
    def resolve_content_state(case: Case, info) -> str | None:
        return case.state

    @staticmethod
    def resolve_reason_counts(case: Case, info) -> list[ReasonCount]:
        return [ReasonCount(reason=r, label=label, count=n)
                for r, label, n in getattr(case, "reason_counts", [])]

    @staticmethod
    def resolve_reports(case: Case, info) -> list[ModerationReport]:
        if not hasattr(case, "viewer_may_decide") or not rules.moderates(
                info.context.actor, case):
            return []
        return [ModerationReport(reporter=r.reporter, reason=r.reason, detail=r.detail,
                                 created_at=r.created_at) for r in case.reports.all()]

    @staticmethod
    def resolve_decision(case: Case, info) -> str | None:
        return str(case.decision) or None

    @staticmethod
    def resolve_viewer_can_decide(case: Case, info) -> bool:
        return getattr(case, "viewer_may_decide", False)

    @staticmethod
    def resolve_viewer_decisions(case: Case, info) -> list[str]:
        return [str(d) for d in getattr(case, "viewer_decisions", [])]


class ModerationCaseConnection(Connection):
    class Meta:
        node = ModerationCaseNode


class Query(graphene.ObjectType):
    moderation_queue = connection_field(
        ModerationCaseConnection,
        "审核队列：我管辖范围内（我管理的群、我管理的学校；站点管理员为全部）的审核单，"
        "同一对象的举报合为一条；待处理的最早的在前，已处理的最近的在前",
        status=graphene.Argument(CaseStatusEnum, description="默认 OPEN"),
        kind=graphene.String(description="只看一种对象：Post、Comment、Resource、Rating、Group、User"),
        scope=rules.MODERATION_SCOPE,
    )

    @staticmethod
    def resolve_moderation_queue(root, info, first=None, after=None, status=None, kind=None):
        actor = info.context.actor
        qs = selectors.queue_cases(actor=actor, status=enum_value(status) or CaseStatus.OPEN,
                                   kind=kind or None)
        result = resolve_connection(ModerationCaseConnection, qs, first=first, after=after)
        selectors.describe_cases(actor=actor, cases=[edge.node for edge in result.edges])
        return result


class DecideReport(DomainMutation):
    """Decide a case of my jurisdiction (or its appeal, then APPROVE restores and UPHOLD
    keeps the decision). The author is told the decision and the reason, each reporter
    已处理 or 未违规."""

    scope = rules.MODERATION_SCOPE
    error_fields = {"case_id": "caseId", "mute_days": "muteDays"}

    class Input:
        case_id = graphene.ID(required=True)
        decision = ModerationDecision(required=True)
        reason = graphene.String(description="理由，作者会看到；删除和处罚时必填，最多 1000 字")
        mute_days = graphene.Int(description="禁言天数，1 到 365（只用于 MUTE）")

    case = graphene.Field(ModerationCaseNode)

    @classmethod
    def perform(cls, info, actor, case_id, decision, reason="", mute_days=None):
        case = services.decide_case(actor=actor, case_id=_case_id(case_id),
                                    decision=enum_value(decision), reason=reason or "",
                                    mute_days=mute_days)
        return {"case": selectors.describe_cases(actor=actor, cases=[case])[0]}


class AppealDecision(DomainMutation):
    """Appeal a decision about my content or account, once, within 30 days: the case goes
    back to the queue for another moderator."""

    scope = services.APPEAL_SCOPE
    error_fields = {"case_id": "caseId"}

    class Input:
        case_id = graphene.ID(required=True)
        text = graphene.String(required=True, description="申诉理由，最多 1000 字")

    case = graphene.Field(ModerationCaseNode)

    @classmethod
    def perform(cls, info, actor, case_id, text):
        case = services.appeal_case(actor=actor, case_id=_case_id(case_id), text=text)
        return {"case": selectors.my_case(actor=actor, case_id=case.pk)}


class Mutation(graphene.ObjectType):
    report_content = ReportContent.Field()
    decide_report = DecideReport.Field()
    appeal_decision = AppealDecision.Field()


types = [ModerationCaseNode]

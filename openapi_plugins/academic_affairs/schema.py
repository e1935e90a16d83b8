"""GraphQL of academic affairs (scope school:roster): roster syncs and the school's sections.

Each sync mutation takes up to 500 rows named by the school system's own ids
(`sourcedId`) and returns a report: created, updated, removed, unchanged and the
rejected rows with their index and reason. Sending the same rows again reports
no change. With `dryRun: true` a sync is a preview: the same report, nothing
changed. A batch of more than 500 rows is an INVALID error and writes nothing.
A school app syncs its own school; a school administrator (web session) names
the school with `schoolId`.
"""

from __future__ import annotations

import graphene

from openapi_plugins.academic_affairs import selectors, services
from openapi_plugins.academic_affairs.models import Section
from yiban_core.accounts.schema import school_from_input
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import global_id


class RejectedRow(graphene.ObjectType):
    """A row that was not applied, and why."""

    index = graphene.Int(description="在 rows 里的序号（从 0 开始）；文件导入时为 null")
    sourced_id = graphene.String(required=True)
    reason = graphene.String(required=True)
    file = graphene.String(description="OneRoster 导入：文件名")
    line = graphene.Int(description="OneRoster 导入：行号")


class SyncReport(graphene.ObjectType):
    """What a sync changed. The same rows sent twice: all unchanged the second time."""

    sync_run_id = graphene.Int(description="同步记录编号（roster.synced 事件的对象）；"
                                           "dryRun 时为 null")
    dry_run = graphene.Boolean(required=True,
                               description="为 true 时这是预览：报告说明会发生什么，什么都没有改变")
    created = graphene.Int(required=True)
    updated = graphene.Int(required=True)
    removed = graphene.Int(required=True)
    unchanged = graphene.Int(required=True)
    rejected = graphene.List(graphene.NonNull(RejectedRow), required=True)
    notes = graphene.List(graphene.NonNull(graphene.String), required=True,
                          description="说明：导入方式、归档的班级群、结束的选课等")


def _report(report: services.SyncReport) -> dict:
    return {"report": SyncReport(
        sync_run_id=report.run.pk if report.run else None, dry_run=report.dry_run,
        created=report.created, updated=report.updated,
        removed=report.removed, unchanged=report.unchanged,
        rejected=[RejectedRow(index=e.get("index"), sourced_id=e.get("sourcedId", ""),
                              reason=e["reason"], file=e.get("file"), line=e.get("line"))
                  for e in report.rejected], notes=report.notes)}


class TermRow(graphene.InputObjectType):
    sourced_id = graphene.String(required=True)
    status = graphene.String(description="active（默认）或 tobedeleted")
    title = graphene.String()
    type = graphene.String(description="schoolYear、semester、term 或 gradingPeriod")
    start_date = graphene.String(description="YYYY-MM-DD")
    end_date = graphene.String(description="YYYY-MM-DD")
    parent_sourced_id = graphene.String()
    school_year = graphene.String()


class CourseRow(graphene.InputObjectType):
    sourced_id = graphene.String(required=True)
    status = graphene.String()
    title = graphene.String()
    course_code = graphene.String()


class SectionRow(graphene.InputObjectType):
    sourced_id = graphene.String(required=True)
    status = graphene.String()
    title = graphene.String()
    course_sourced_id = graphene.String()
    term_sourced_ids = graphene.List(graphene.NonNull(graphene.String))
    class_code = graphene.String()


class UserRow(graphene.InputObjectType):
    sourced_id = graphene.String(required=True)
    status = graphene.String()
    role = graphene.String(description="student 或 teacher")
    given_name = graphene.String()
    family_name = graphene.String()
    identifier = graphene.String(description="学号/工号；为空时不设学号、不认证")
    username = graphene.String(description="新账号的用户名：有效且未被占用时采用，"
                                           "否则自动生成，并在 notes 里说明原因")
    enabled_user = graphene.Boolean(
        description="false 时停用账号（不能登录）；true 时解除同步造成的停用；"
                    "省略时新账号启用，已有账号不变")


class EnrolmentRow(graphene.InputObjectType):
    sourced_id = graphene.String(required=True)
    status = graphene.String()
    class_sourced_id = graphene.String()
    user_sourced_id = graphene.String()
    role = graphene.String(description="student 或 teacher")
    primary = graphene.Boolean(description="主讲教师：成为班级群群主")
    end_date = graphene.Date(description="选课结束日期；早于今天时选课结束，移出班级群")


# GraphQL spelling -> the services' keys
RENAMES = {"type": "kind", "course_code": "code", "class_sourced_id": "section_sourced_id"}


def _rows(rows) -> list[dict]:
    return [{RENAMES.get(key, key): value for key, value in dict(row).items()}
            for row in rows]


def _sync_mutation(name: str, row_type, service, description: str, **extra_inputs):
    class Input:
        rows = graphene.List(graphene.NonNull(row_type), required=True,
                             description=f"最多 {services.MAX_BATCH} 行")
        school_id = graphene.ID(description="学校管理员同步时指定学校；学校应用可省略")
        dry_run = graphene.Boolean(default_value=False,
                                   description="为 true 时只预览：返回报告，不做任何改变")

    for key, value in extra_inputs.items():
        setattr(Input, key, value)

    @classmethod
    def perform(cls, info, actor, rows, school_id=None, dry_run=False, **options):
        school = school_from_input(info, school_id)
        return _report(service(actor=actor, school=school, rows=_rows(rows),
                               dry_run=bool(dry_run), **options))

    return type(name, (DomainMutation,), {
        "__doc__": description, "Input": Input, "perform": perform,
        "report": graphene.Field(SyncReport), "error_fields": {"rows": "rows"},
        "scope": "school:roster",
    })


SyncTerms = _sync_mutation("SyncTerms", TermRow, services.upsert_terms,
                           "同步学年和学期（需要 school:roster）")
SyncCourses = _sync_mutation("SyncCourses", CourseRow, services.upsert_courses,
                             "同步课程（需要 school:roster）")
SyncSections = _sync_mutation(
    "SyncSections", SectionRow, services.upsert_sections,
    "同步教学班；有了教师后每个教学班对应一个班级群（需要 school:roster）")
SyncUsers = _sync_mutation(
    "SyncUsers", UserRow, services.upsert_users,
    "同步学生和教师；没有账号的人会被建成本校已认证成员（需要 school:roster）")
SyncEnrolments = _sync_mutation(
    "SyncEnrolments", EnrolmentRow, services.upsert_enrolments,
    "同步选课名单：学生成为班级群成员，主讲教师为群主，其他教师为管理员（需要 school:roster）",
    replace=graphene.Boolean(description="为 true 时，本批出现的每个教学班只保留本批列出的选课，"
                                         "其余移出（整班名单替换）"),
)


class CompleteBulkRosterSync(DomainMutation):
    """全量同步的最后一步：列出导出中本校所有教学班和选课的 sourcedId；没列出的教学班
    视为已取消（班级群归档、只读），没列出的选课视为已结束（需要 school:roster）"""

    class Input:
        class_sourced_ids = graphene.List(graphene.NonNull(graphene.String), required=True)
        enrolment_sourced_ids = graphene.List(graphene.NonNull(graphene.String),
                                              required=True)
        school_id = graphene.ID(description="学校管理员同步时指定学校；学校应用可省略")

    report = graphene.Field(SyncReport)
    scope = "school:roster"

    @classmethod
    def perform(cls, info, actor, class_sourced_ids, enrolment_sourced_ids, school_id=None):
        school = school_from_input(info, school_id)
        return _report(services.complete_bulk_sync(
            actor=actor, school=school, class_sourced_ids=class_sourced_ids,
            enrolment_sourced_ids=enrolment_sourced_ids))


class RosterSection(graphene.ObjectType):
    """A section (教学班) of the school, and the class group it is mirrored by."""

    id = graphene.ID(required=True)
    sourced_id = graphene.String(required=True)
    title = graphene.String(required=True)
    class_code = graphene.String(required=True)
    course_sourced_id = graphene.String(required=True)
    course_title = graphene.String(required=True)
    term_sourced_ids = graphene.List(graphene.NonNull(graphene.String), required=True)
    class_group_id = graphene.ID(description="班级群的全局 ID；还没有教师时为 null")

    @staticmethod
    def resolve_id(section: Section, info) -> str:
        return global_id("RosterSection", section.pk)

    @staticmethod
    def resolve_course_sourced_id(section: Section, info) -> str:
        return section.course.sourced_id

    @staticmethod
    def resolve_course_title(section: Section, info) -> str:
        return section.course.title

    @staticmethod
    def resolve_term_sourced_ids(section: Section, info) -> list[str]:
        return sorted(term.sourced_id for term in section.terms.all())

    @staticmethod
    def resolve_class_group_id(section: Section, info) -> str | None:
        return global_id("Group", section.class_group_id) if section.class_group_id else None


class RosterSectionConnection(Connection):
    class Meta:
        node = RosterSection


class Query(graphene.ObjectType):
    roster_sections = connection_field(
        RosterSectionConnection, "本校的教学班及其班级群（需要 school:roster）",
        school_id=graphene.ID(description="学校管理员查看时指定学校；学校应用可省略"),
        scope="school:roster",
    )

    @staticmethod
    def resolve_roster_sections(root, info, first=None, after=None, school_id=None):
        qs = selectors.sections(actor=info.context.actor,
                                school=school_from_input(info, school_id))
        return resolve_connection(RosterSectionConnection, qs, first=first, after=after)


class Mutation(graphene.ObjectType):
    sync_terms = SyncTerms.Field()
    sync_courses = SyncCourses.Field()
    sync_sections = SyncSections.Field()
    sync_users = SyncUsers.Field()
    sync_enrolments = SyncEnrolments.Field()
    complete_bulk_roster_sync = CompleteBulkRosterSync.Field()

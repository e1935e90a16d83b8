"""GraphQL of the vocational plugin: training records (实训/实习) and growth records.

Thin: parse the input, call a selector or service, shape the output. Scopes:
reads need `training:read` (a school app: `school:training`, signed records of
its own school only), writes `training:write`; both are checked in the
selectors and services. A record the viewer may not read is null from
`node(id:)` and NOT_FOUND from `trainingRecord(id:)`, like one that does not exist.

Present only while the plugin is installed (plugin.schema_module).
"""

from __future__ import annotations

import graphene

from openapi_plugins.vocational import selectors, services
from openapi_plugins.vocational.models import TrainingRecord
from yiban_core.accounts.models import User
from yiban_core.accounts.schema import SchoolNode, UserConnection, UserNode
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum, enum_value
from yiban_core.graphql.errors import DomainMutation, input_fields
from yiban_core.graphql.relay import Node, decode_global_id
from yiban_core.graphql.scopes import ScopedField
from yiban_core.unchanged import UNCHANGED

TrainingKind = choices_enum("TrainingKind", TrainingRecord.Kind,
                            "实训（校内实训车间）或实习（校外单位）")
TrainingStatus = choices_enum(
    "TrainingStatus", TrainingRecord.Status,
    "草稿、待签字（已提交给指导教师）、已签字（计入成长档案，不能再改）、已退回（修改后可再提交）",
)


def record_from_input(info, value, field: str = "recordId") -> TrainingRecord:
    pk = decode_global_id(value, expected="TrainingRecord", field=field)
    with input_fields({"record": field}):
        return selectors.get_record(actor=info.context.actor, pk=pk)


def supervisor_from_input(value) -> User | None:
    """Any user by global ID (null when there is none); the service decides if they may sign."""
    pk = decode_global_id(value, expected="User", field="supervisorId")
    return User.objects.filter(pk=pk).first()


class TrainingAttachmentType(graphene.ObjectType):
    """A file the student added to a record (a certificate, a report, photos)."""

    class Meta:
        name = "TrainingAttachment"

    filename = graphene.String(required=True)
    content_type = graphene.String(required=True, description="从文件内容识别的类型")
    size = graphene.Int(required=True, description="字节数")
    url = graphene.String(required=True, description=(
        "下载地址：网站登录后可读这条记录的人才能打开，其他人得到 404"))

    @staticmethod
    def resolve_url(attachment, info) -> str:
        return info.context.build_absolute_uri(attachment.file.url)


class TrainingRecordNode(graphene.ObjectType):
    """A practical-training or internship block, signed off by a supervising teacher."""

    class Meta:
        name = "TrainingRecord"
        interfaces = (Node,)
        possible_types = (TrainingRecord,)

    kind = graphene.Field(TrainingKind, required=True)
    title = graphene.String(required=True)
    workplace = graphene.String(required=True, description="实习单位或实训车间")
    start_date = graphene.Date(required=True)
    end_date = graphene.Date(required=True)
    hours = graphene.Float(required=True, description="学时，大于 0，最多一位小数")
    tasks = graphene.String(required=True, description="完成的任务（原文，显示时请转义）")
    reflection = graphene.String(required=True, description="心得体会，可为空")
    status = graphene.Field(TrainingStatus, required=True)
    student = graphene.Field(UserNode, required=True)
    school = graphene.Field(SchoolNode, required=True, description="填写记录时学生所在的学校")
    supervisor = graphene.Field(UserNode, description="提交给的指导教师；草稿为 null")
    signed_by = graphene.Field(UserNode, description="签字的教师；未签字为 null")
    signed_at = graphene.DateTime()
    teacher_comment = graphene.String(required=True, description="教师评语或退回原因")
    attachments = graphene.List(graphene.NonNull(TrainingAttachmentType), required=True,
                                description="学生添加的附件")
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> TrainingRecord:
        return selectors.get_record(actor=info.context.actor, pk=pk)

    @staticmethod
    def resolve_hours(record: TrainingRecord, info) -> float:
        return float(record.hours)

    @staticmethod
    def resolve_attachments(record: TrainingRecord, info):
        return record.attachments.all()


class TrainingRecordConnection(Connection):
    class Meta:
        node = TrainingRecordNode


class TrainingHours(graphene.ObjectType):
    """Signed hours of one kind."""

    kind = graphene.Field(TrainingKind, required=True)
    hours = graphene.Float(required=True)
    record_count = graphene.Int(required=True)

    @staticmethod
    def resolve_hours(total, info) -> float:
        return float(total.hours)

    @staticmethod
    def resolve_record_count(total, info) -> int:
        return total.count


class GrowthRecordType(graphene.ObjectType):
    """A student's growth record (成长档案): their signed records, as far as the viewer may
    read them, and the hours they add up to."""

    class Meta:
        name = "GrowthRecord"

    student = graphene.Field(UserNode, required=True)
    total_hours = graphene.Float(required=True, description="已签字的总学时")
    record_count = graphene.Int(required=True)
    hours_by_kind = graphene.List(graphene.NonNull(TrainingHours), required=True,
                                  description="实训和实习各自的学时")
    records = connection_field(TrainingRecordConnection, "已签字的记录，最近签字的在前")

    @staticmethod
    def resolve_total_hours(growth, info) -> float:
        return float(growth.total_hours)

    @staticmethod
    def resolve_hours_by_kind(growth, info):
        return growth.totals

    @staticmethod
    def resolve_records(growth, info, first=None, after=None):
        return resolve_connection(TrainingRecordConnection, growth.records, first=first,
                                  after=after)


class Query(graphene.ObjectType):
    my_training_records = connection_field(
        TrainingRecordConnection, "我的实训/实习记录，最新的在前（training:read）",
        status=graphene.Argument(TrainingStatus), scope="training:read",
    )
    training_records_to_sign_off = connection_field(
        TrainingRecordConnection, "提交给我（教师）待签字的记录，等得最久的在前（training:read）",
        scope="training:read",
    )
    training_record = ScopedField(TrainingRecordNode, id=graphene.ID(required=True),
                                  description="一条记录；看不到时为 NOT_FOUND",
                                  scope="training:read")
    growth_record = ScopedField(
        GrowthRecordType, username=graphene.String(required=True),
        description="学生的成长档案：本人、签字教师、本校管理员和已认证教师、"
        "本校的学校应用（school:training）可见",
        scope="training:read",
    )
    training_supervisors = connection_field(
        UserConnection, "我（学生）可以提交记录的指导教师：本校已认证的教师",
        scope="training:read",
    )

    @staticmethod
    def resolve_my_training_records(root, info, first=None, after=None, status=None):
        qs = selectors.my_records(actor=info.context.actor, status=enum_value(status))
        return resolve_connection(TrainingRecordConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_training_records_to_sign_off(root, info, first=None, after=None):
        qs = selectors.records_to_sign_off(actor=info.context.actor)
        return resolve_connection(TrainingRecordConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_training_record(root, info, id):
        return record_from_input(info, id, field="id")

    @staticmethod
    def resolve_growth_record(root, info, username):
        return selectors.growth_record(actor=info.context.actor, username=username)

    @staticmethod
    def resolve_training_supervisors(root, info, first=None, after=None):
        qs = selectors.supervisor_choices(actor=info.context.actor)
        return resolve_connection(UserConnection, qs, first=first, after=after)


class LogTrainingRecord(DomainMutation):
    """A student writes down a training or internship block, saved as a draft (training:write)."""

    scope = "training:write"

    class Input:
        kind = TrainingKind(required=True)
        title = graphene.String(required=True)
        workplace = graphene.String(required=True, description="实习单位或实训车间")
        start_date = graphene.Date(required=True)
        end_date = graphene.Date(required=True)
        hours = graphene.Float(required=True)
        tasks = graphene.String(required=True)
        reflection = graphene.String()

    record = graphene.Field(TrainingRecordNode)

    @classmethod
    def perform(cls, info, actor, kind, reflection="", **data):
        record = services.log_record(actor=actor, kind=enum_value(kind),
                                     reflection=reflection or "", **data)
        return {"record": record}


class UpdateTrainingRecord(DomainMutation):
    """Change a draft or returned record; fields left out stay as they are (training:write)."""

    scope = ("training:write", "training:read")

    class Input:
        record_id = graphene.ID(required=True)
        kind = graphene.Field(TrainingKind)
        title = graphene.String()
        workplace = graphene.String()
        start_date = graphene.Date()
        end_date = graphene.Date()
        hours = graphene.Float()
        tasks = graphene.String()
        reflection = graphene.String()

    record = graphene.Field(TrainingRecordNode)
    error_fields = {"record": "record_id"}

    @classmethod
    def perform(cls, info, actor, record_id, **data):
        record = record_from_input(info, record_id)
        changes = {name: UNCHANGED if value is None else value for name, value in data.items()}
        if data.get("kind") is not None:
            changes["kind"] = enum_value(data["kind"])
        return {"record": services.update_record(actor=actor, record=record, **changes)}


class SubmitTrainingRecord(DomainMutation):
    """Send a finished record to a supervising teacher for sign-off (training:write)."""

    scope = ("training:write", "training:read")

    class Input:
        record_id = graphene.ID(required=True)
        supervisor_id = graphene.ID(required=True,
                                    description="指导教师（见 trainingSupervisors）")

    record = graphene.Field(TrainingRecordNode)
    error_fields = {"record": "record_id", "supervisor": "supervisor_id"}

    @classmethod
    def perform(cls, info, actor, record_id, supervisor_id):
        record = record_from_input(info, record_id)
        supervisor = supervisor_from_input(supervisor_id)
        return {"record": services.submit_record(actor=actor, record=record,
                                                 supervisor=supervisor)}


class SignOffTrainingRecord(DomainMutation):
    """The supervisor confirms a submitted record; it is final afterwards (training:write)."""

    scope = ("training:write", "training:read")

    class Input:
        record_id = graphene.ID(required=True)
        comment = graphene.String(description="评语，可不填")

    record = graphene.Field(TrainingRecordNode)
    error_fields = {"record": "record_id"}

    @classmethod
    def perform(cls, info, actor, record_id, comment=""):
        record = record_from_input(info, record_id)
        return {"record": services.sign_off_record(actor=actor, record=record,
                                                   comment=comment or "")}


class ReturnTrainingRecord(DomainMutation):
    """The supervising teacher sends a submitted record back with what to fix (training:write)."""

    scope = ("training:write", "training:read")

    class Input:
        record_id = graphene.ID(required=True)
        comment = graphene.String(required=True, description="需要修改的地方")

    record = graphene.Field(TrainingRecordNode)
    error_fields = {"record": "record_id"}

    @classmethod
    def perform(cls, info, actor, record_id, comment):
        record = record_from_input(info, record_id)
        return {"record": services.return_record(actor=actor, record=record, comment=comment)}


class DeleteTrainingRecord(DomainMutation):
    """Delete one of your drafts (training:write)."""

    scope = ("training:write", "training:read")

    class Input:
        record_id = graphene.ID(required=True)

    deleted_record_id = graphene.ID()
    error_fields = {"record": "record_id"}

    @classmethod
    def perform(cls, info, actor, record_id):
        record = record_from_input(info, record_id)
        services.delete_record(actor=actor, record=record)
        return {"deleted_record_id": record_id}


class Mutation(graphene.ObjectType):
    log_training_record = LogTrainingRecord.Field()
    update_training_record = UpdateTrainingRecord.Field()
    submit_training_record = SubmitTrainingRecord.Field()
    sign_off_training_record = SignOffTrainingRecord.Field()
    return_training_record = ReturnTrainingRecord.Field()
    delete_training_record = DeleteTrainingRecord.Field()


types = [TrainingRecordNode]

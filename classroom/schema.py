"""GraphQL of check-ins (签到): a class group's check-ins and attendance, and the
mutations that start, close, check in and mark. Scopes: classroom:read and
classroom:write; a school app with classroom:read reads its own school's class groups."""

from __future__ import annotations

import graphene
from django.utils import timezone
from django.utils.translation import gettext as _

from classroom import selectors, services
from classroom.models import Attendance, Checkin
from yiban_core.accounts.schema import UserNode
from yiban_core.errors import NotFound
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum, enum_value
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import decode_global_id, global_id
from yiban_core.graphql.scopes import ScopedField
from yiban_core.groups.models import Group
from yiban_core.groups.schema import GroupNode

AttendanceStatus = choices_enum("AttendanceStatus", Attendance.Status, "考勤状态")


class CheckinState(graphene.Enum):
    SCHEDULED = "scheduled"
    OPEN = "open"
    CLOSED = "closed"


class CheckinPlace(graphene.ObjectType):
    latitude = graphene.Float(required=True)
    longitude = graphene.Float(required=True)
    radius_m = graphene.Int(required=True, description="签到范围半径（米）")


class AttendanceSummary(graphene.ObjectType):
    expected = graphene.Int(required=True, description="名单上的学生人数")
    present = graphene.Int(required=True)
    late = graphene.Int(required=True)
    absent = graphene.Int(required=True)
    excused = graphene.Int(required=True)
    waiting = graphene.Int(required=True, description="签到进行中：还没签到的人数")


class AttendanceRecord(graphene.ObjectType):
    """One student on the roll; status null: not checked in yet (the check-in is open)."""

    user = graphene.Field(UserNode, required=True)
    status = graphene.Field(AttendanceStatus)
    checked_in_at = graphene.DateTime()
    accuracy_m = graphene.Float(description="签到时浏览器报告的定位精度（米）")
    distance_m = graphene.Float(description="签到位置距签到地点（米）")
    marked_by = graphene.Field(UserNode, description="老师手动标记时：谁标记的")
    note = graphene.String()


def _record(user, record: Attendance | None) -> AttendanceRecord:
    if record is None:
        return AttendanceRecord(user=user)
    return AttendanceRecord(user=user, status=record.status, checked_in_at=record.checked_in_at,
                            accuracy_m=record.accuracy_m, distance_m=record.distance_m,
                            marked_by=record.marked_by, note=record.note)


class CheckinNode(graphene.ObjectType):
    """A check-in (签到) of a class group."""

    class Meta:
        name = "Checkin"

    id = graphene.ID(required=True)
    title = graphene.String(required=True)
    group = graphene.Field(GroupNode, required=True)
    started_by = graphene.Field(UserNode, required=True)
    opens_at = graphene.DateTime(required=True)
    late_after = graphene.DateTime(required=True, description="此后签到记为迟到")
    closes_at = graphene.DateTime(required=True)
    closed_at = graphene.DateTime(description="结束并统计缺勤的时间")
    state = graphene.Field(CheckinState, required=True)
    requires_code = graphene.Boolean(required=True, description="需要输入大屏幕上的动态签到码")
    place = graphene.Field(CheckinPlace, description="需要在这个范围内签到")
    one_device_per_person = graphene.Boolean(required=True)
    summary = graphene.Field(AttendanceSummary, required=True)
    my_record = graphene.Field(AttendanceRecord, description="我的签到记录")
    attendance = graphene.List(
        graphene.NonNull(AttendanceRecord),
        description="全班的签到情况：本班老师和群管理员、本校的学校应用可见，其他人为 null")
    viewer_can_manage = graphene.Boolean(required=True)

    @staticmethod
    def resolve_id(checkin: Checkin, info):
        return global_id("Checkin", checkin.pk)

    @staticmethod
    def resolve_state(checkin: Checkin, info):
        return checkin.state(timezone.now())

    @staticmethod
    def resolve_place(checkin: Checkin, info):
        if not checkin.requires_place:
            return None
        return CheckinPlace(latitude=checkin.latitude, longitude=checkin.longitude,
                            radius_m=checkin.radius_m)

    @staticmethod
    def resolve_one_device_per_person(checkin: Checkin, info):
        return checkin.one_device

    @staticmethod
    def resolve_summary(checkin: Checkin, info):
        return AttendanceSummary(**selectors.summary(checkin))

    @staticmethod
    def resolve_my_record(checkin: Checkin, info):
        actor = info.context.actor
        record = selectors.my_record(actor=actor, checkin=checkin)
        return _record(actor.user, record) if record is not None else None

    @staticmethod
    def resolve_attendance(checkin: Checkin, info):
        if not _access(info, checkin).sees_everyone:
            return None
        return [_record(row.user, row.record)
                for row in selectors.roll_call(actor=info.context.actor, checkin=checkin)]

    @staticmethod
    def resolve_viewer_can_manage(checkin: Checkin, info):
        return _access(info, checkin).runs_class


def _access(info, checkin: Checkin) -> selectors.Access:
    if getattr(checkin, "access", None) is None:
        checkin.access = selectors.access(info.context.actor, checkin.group)
    return checkin.access


class CheckinConnection(Connection):
    class Meta:
        node = CheckinNode


def checkin_from_input(info, value, field: str = "checkinId") -> Checkin:
    pk = decode_global_id(value, expected="Checkin", field=field)
    return selectors.get_checkin(actor=info.context.actor, pk=pk)


class Query(graphene.ObjectType):
    group_checkins = connection_field(
        CheckinConnection, "一个班级群的签到，最新的在前（本班成员；学校应用：本校的班级群）",
        group_id=graphene.ID(required=True), scope="classroom:read")
    checkin = ScopedField(CheckinNode, id=graphene.ID(required=True),
                          description="一次签到及其考勤", scope="classroom:read")

    @staticmethod
    def resolve_group_checkins(root, info, group_id, first=None, after=None):
        pk = decode_global_id(group_id, expected="Group", field="groupId")
        group, qs = selectors.group_checkins(actor=info.context.actor, group_id=pk)
        connection = resolve_connection(CheckinConnection, qs, first=first, after=after)
        selectors.prefetch(actor=info.context.actor, group=group,
                           checkins=[edge.node for edge in connection.edges])
        return connection

    @staticmethod
    def resolve_checkin(root, info, id):
        return checkin_from_input(info, id, field="id")


class CheckinMutation(DomainMutation):
    error_fields = {"checkin": "checkinId", "group": "groupId", "radius_m": "radiusM",
                    "device_token": "deviceToken"}

    class Meta:
        abstract = True


def _checkin_pk(value) -> int:
    return decode_global_id(value, expected="Checkin", field="checkinId")


class StartCheckin(CheckinMutation):
    """Start a check-in in a class group you run (its teachers, owner and admins)."""

    scope = "classroom:write"

    class Input:
        group_id = graphene.ID(required=True)
        title = graphene.String(description="最多 60 字；默认“课堂签到 月-日 时:分”")
        duration_minutes = graphene.Int(description="1 到 240，默认 10")
        grace_minutes = graphene.Int(description="开始后多少分钟内签到不算迟到，默认 0")
        opens_at = graphene.DateTime(description="默认现在；最晚 7 天后")
        rotating_code = graphene.Boolean(description="大屏幕显示每 10 秒更换的签到码")
        latitude = graphene.Float()
        longitude = graphene.Float()
        radius_m = graphene.Int(description="签到范围半径，10 到 5000 米")
        one_device_per_person = graphene.Boolean(description="一台设备只能为一个人签到")

    checkin = graphene.Field(CheckinNode)

    @classmethod
    def perform(cls, info, actor, group_id, title="", duration_minutes=None, grace_minutes=None,
                opens_at=None, rotating_code=False, latitude=None, longitude=None,
                radius_m=None, one_device_per_person=False):
        # The service decides who may start one here (runners of the class); a group that
        # does not exist and one the actor does not run are refused alike.
        pk = decode_global_id(group_id, expected="Group", field="groupId")
        group = Group.objects.filter(pk=pk).first()
        if group is None:
            actor.require_scope("classroom:write")
            raise NotFound(_("没有这个群"), field="groupId")
        checkin = services.start_checkin(
            actor=actor, group=group, title=title or "",
            duration_minutes=10 if duration_minutes is None else duration_minutes,
            grace_minutes=grace_minutes or 0, opens_at=opens_at,
            rotating_code=bool(rotating_code), latitude=latitude, longitude=longitude,
            radius_m=radius_m, one_device=bool(one_device_per_person))
        return {"checkin": checkin}


class CloseCheckin(CheckinMutation):
    """End a check-in now: who has not checked in is absent (webhook checkin.closed)."""

    scope = "classroom:write"

    class Input:
        checkin_id = graphene.ID(required=True)

    checkin = graphene.Field(CheckinNode)

    @classmethod
    def perform(cls, info, actor, checkin_id):
        return {"checkin": services.close_checkin(actor=actor, checkin_id=_checkin_pk(checkin_id))}


class CheckIn(CheckinMutation):
    """Check yourself in: the code on the classroom screen, your position (latitude,
    longitude and the accuracy the device reports) and a device token, as the check-in
    asks."""

    scope = "classroom:write"

    class Input:
        checkin_id = graphene.ID(required=True)
        code = graphene.String(description="大屏幕上的 6 位签到码")
        latitude = graphene.Float()
        longitude = graphene.Float()
        accuracy = graphene.Float(description="定位精度（米），如浏览器 coords.accuracy")
        device_token = graphene.String(description="一人一机时：设备上保存的随机标识，16 到 128 位")

    record = graphene.Field(AttendanceRecord)

    @classmethod
    def perform(cls, info, actor, checkin_id, code="", latitude=None, longitude=None,
                accuracy=None, device_token=""):
        record = services.check_in(actor=actor, checkin_id=_checkin_pk(checkin_id),
                                   code=code or "", latitude=latitude, longitude=longitude,
                                   accuracy=accuracy, device_token=device_token or "")
        return {"record": _record(actor.user, record)}


class MarkAttendance(CheckinMutation):
    """Mark a student by hand (请假、补签、缺勤); recorded in the audit log."""

    scope = "classroom:write"

    class Input:
        checkin_id = graphene.ID(required=True)
        username = graphene.String(required=True)
        status = AttendanceStatus(required=True)
        note = graphene.String(description="最多 100 字")

    record = graphene.Field(AttendanceRecord)

    @classmethod
    def perform(cls, info, actor, checkin_id, username, status, note=""):
        record = services.mark_attendance(actor=actor, checkin_id=_checkin_pk(checkin_id),
                                          username=username, status=enum_value(status),
                                          note=note or "")
        return {"record": _record(record.user, record)}


class Mutation(graphene.ObjectType):
    start_checkin = StartCheckin.Field()
    close_checkin = CloseCheckin.Field()
    check_in = CheckIn.Field()
    mark_attendance = MarkAttendance.Field()

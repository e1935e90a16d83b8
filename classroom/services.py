"""Every change to check-ins: start, check in, mark by hand, close.

The rules of a check-in (classroom.rules for who, classroom.codes for the rotating
code, classroom.geo for the place) are enforced here for the pages, GraphQL and any
app alike. A refused check-in changes nothing: the checks come before the one
insert, and the insert is guarded by the database (one record per member, one member
per device), so two concurrent check-ins of one person count once.

Closing is classroom.closing's: a teacher's close_checkin ends the window now and
closes it there.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
import re

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from classroom import closing, codes, geo, rules, tasks
from classroom.models import Attendance, Checkin
from yiban_core import ratelimit
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.audit import services as audit
from yiban_core.credits import services as credits
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.groups.models import Group, Membership
from yiban_core.groups.rules import role_in
from yiban_core.ids import parse_id
from yiban_core.moderation.services import screened
from yiban_core.nul import contains_unstorable, unstorable_message
from yiban_core.privacy import consent_services as consents

MAX_DURATION_MIN = 240
MAX_AHEAD = dt.timedelta(days=7)
DEVICE_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,128}")
# Wrong codes a person may type for one check-in in WRONG_CODE_WINDOW_S: with two valid
# 6-digit codes at any time, guessing is hopeless long before this.
WRONG_CODE_LIMIT = 10
WRONG_CODE_WINDOW_S = 600


def _checkin_for_update(checkin_id) -> Checkin:
    pk = parse_id(checkin_id)
    checkin = (Checkin.objects.select_related("group").filter(pk=pk).first()
               if pk else None)
    if checkin is None:
        raise NotFound(_("没有这个签到"), field="checkin")
    return checkin


def _require_runner(actor: Actor, group: Group) -> None:
    actor.require_scope("classroom:write")
    actor.require_user()
    if not rules.runs_class(actor, group, role_in(actor, group)):
        raise PermissionDenied(_("只有本班的老师或群管理员可以这样做"))


def _number(value, *, field: str, low: float, high: float, label: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid(_("%(label)s不是数字") % {"label": label}, field=field) from None
    if not math.isfinite(number) or not low <= number <= high:
        raise Invalid(_("%(label)s应在 %(low)s 到 %(high)s 之间")
                      % {"label": label, "low": f"{low:g}", "high": f"{high:g}"}, field=field)
    return number


def _whole(value, *, field: str, low: int, high: int, label: str) -> int:
    number = _number(value, field=field, low=low, high=high, label=label)
    if number != int(number):
        raise Invalid(_("%(label)s应是整数") % {"label": label}, field=field)
    return int(number)


def start_checkin(*, actor: Actor, group: Group, title: str = "", duration_minutes=10,
                  grace_minutes=0, opens_at: dt.datetime | None = None,
                  rotating_code: bool = False, latitude=None, longitude=None, radius_m=None,
                  one_device: bool = False) -> Checkin:
    """Start (or schedule, with a later `opens_at`) a check-in in a class group."""
    actor.require_scope("classroom:write")
    actor.require_user()
    if group.kind != Group.Kind.CLASS:
        raise Invalid(_("只有班级群可以发起签到"), field="group")
    _require_runner(actor, group)
    if group.archived_at is not None:
        raise Invalid(_("这个群已归档"), field="group")
    title = " ".join(str(title or "").split())
    if contains_unstorable(title):
        raise Invalid(unstorable_message(), field="title")
    if len(title) > 60:
        raise Invalid(_("标题最多 60 个字"), field="title")
    now = timezone.now()
    if not title:
        title = _("课堂签到 %(when)s") % {"when": timezone.localtime(now).strftime("%m-%d %H:%M")}
    title = screened("title", title, school=group.school_id)
    duration = _whole(duration_minutes, field="durationMinutes", low=1, high=MAX_DURATION_MIN,
                      label=_("签到时长（分钟）"))
    grace = _whole(grace_minutes, field="graceMinutes", low=0, high=duration,
                   label=_("迟到宽限（分钟）"))
    opens = now if opens_at is None else opens_at
    if timezone.is_naive(opens):
        raise Invalid(_("开始时间需要带时区"), field="opensAt")
    if opens < now - dt.timedelta(minutes=1) or opens > now + MAX_AHEAD:
        raise Invalid(_("开始时间应在现在到 7 天之内"), field="opensAt")
    place = [v for v in (latitude, longitude, radius_m) if v not in (None, "")]
    if place and len(place) != 3:
        raise Invalid(_("签到地点需要纬度、经度和半径"), field="radiusM")
    if place:
        latitude = _number(latitude, field="latitude", low=-90, high=90, label=_("纬度"))
        longitude = _number(longitude, field="longitude", low=-180, high=180, label=_("经度"))
        radius_m = _whole(radius_m, field="radiusM", low=10, high=5000, label=_("半径（米）"))
    else:
        latitude = longitude = radius_m = None
    with transaction.atomic():
        checkin = Checkin.objects.create(
            group=group, started_by=actor.user, title=title, opens_at=opens,
            closes_at=opens + dt.timedelta(minutes=duration),
            late_after=opens + dt.timedelta(minutes=grace),
            code_secret=codes.new_secret() if rotating_code else "",
            latitude=latitude, longitude=longitude, radius_m=radius_m,
            one_device=bool(one_device))
        tasks.schedule_close(checkin)
    return checkin


def _device_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_in(*, actor: Actor, checkin_id, code: str = "", latitude=None, longitude=None,
             accuracy=None, device_token: str = "") -> Attendance:
    """The student checks themselves in. Every proof the check-in asks for is checked
    before anything is written; a refusal says which one failed."""
    actor.require_scope("classroom:write")
    user = actor.require_user()
    checkin = _checkin_for_update(checkin_id)
    role = role_in(actor, checkin.group)
    if role is None:
        raise PermissionDenied(_("只有本班成员可以签到"))
    if not rules.on_roll(user, role):
        raise PermissionDenied(_("老师和管理人员不用签到，只有学生签到"))
    now = timezone.now()
    state = checkin.state(now)
    if state == "scheduled":
        raise Invalid(_("签到还没开始"), field="checkin")
    if state == "closed":
        raise Invalid(_("签到已经结束"), field="checkin")
    if Attendance.objects.filter(checkin=checkin, user=user).exists():
        raise Conflict(_("你已经签到过了"))
    reading: dict = {}
    if checkin.requires_code:
        limit_key = f"checkin-code:{checkin.pk}:{user.pk}"
        ratelimit.check(limit_key, limit=WRONG_CODE_LIMIT, window_s=WRONG_CODE_WINDOW_S)
        code = str(code or "").strip()
        if not code:
            raise Invalid(_("请输入大屏幕上的签到码"), field="code")
        if not (code.isascii() and code.isdigit() and len(code) == codes.DIGITS
                and codes.accepts(checkin.code_secret, code)):
            ratelimit.failed(limit_key, window_s=WRONG_CODE_WINDOW_S)
            raise Invalid(_("签到码不对或已过期（签到码每 10 秒更换一次，请看大屏幕上最新的）"),
                          field="code")
    if checkin.requires_place:
        consents.require_location_consent(user, by=actor)  # nothing is read without it
        if latitude in (None, "") or longitude in (None, "") or accuracy in (None, ""):
            raise Invalid(_("这次签到需要定位：请允许浏览器获取你的位置"), field="latitude")
        lat = _number(latitude, field="latitude", low=-90, high=90, label=_("纬度"))
        lng = _number(longitude, field="longitude", low=-180, high=180, label=_("经度"))
        acc = _number(accuracy, field="accuracy", low=0, high=1e7, label=_("定位精度"))
        if acc > geo.ACCURACY_LIMIT_M:
            raise Invalid(_("定位不够精确（误差约 %(m)d 米），请打开手机的精确定位后重试")
                          % {"m": round(acc)}, field="accuracy")
        distance = geo.distance_m(checkin.latitude, checkin.longitude, lat, lng)
        if not geo.within(distance, checkin.radius_m, acc):
            raise Invalid(_("你不在签到范围内：距签到地点约 %(d)d 米，范围是 %(r)d 米")
                          % {"d": round(distance), "r": checkin.radius_m}, field="latitude")
        reading = rules.kept_reading(user, latitude=lat, longitude=lng, accuracy_m=acc,
                                     distance_m=distance)
    if checkin.one_device:
        token = str(device_token or "")
        if not DEVICE_TOKEN.fullmatch(token):
            raise Invalid(_("这次签到要求一人一机，请在自己的手机浏览器上签到"),
                          field="deviceToken")
        reading["device_hash"] = _device_hash(token)
        if Attendance.objects.filter(checkin=checkin,
                                     device_hash=reading["device_hash"]).exists():
            raise Conflict(_("这台设备已经为其他同学签过到了：一人一机，请用自己的手机签到"))
    status = Attendance.Status.LATE if now >= checkin.late_after else Attendance.Status.PRESENT
    try:
        with transaction.atomic():
            record = Attendance.objects.create(checkin=checkin, user=user, status=status,
                                               checked_in_at=now, **reading)
            credits.award(user_id=user.pk, rule="class_checkin", key=str(record.pk),
                          source=record)
    except IntegrityError:  # a concurrent check-in of this person (or device), or the close
        won = Attendance.objects.filter(checkin=checkin, user=user).first()
        if won is not None and won.checked_in_at is None and won.marked_by_id is None:
            raise Invalid(_("签到已经结束"), field="checkin") from None
        if won is not None:
            raise Conflict(_("你已经签到过了")) from None
        raise Conflict(_("这台设备已经为其他同学签过到了：一人一机，请用自己的手机签到")) from None
    return record


MARKABLE = {Attendance.Status.PRESENT, Attendance.Status.LATE, Attendance.Status.EXCUSED,
            Attendance.Status.ABSENT}


def mark_attendance(*, actor: Actor, checkin_id, username: str, status: str,
                    note: str = "") -> Attendance:
    """A teacher marks a student by hand (请假, 补签, or back to 缺勤); audited. A mark by
    hand earns no points."""
    actor.require_scope("classroom:write")
    actor.require_user()
    checkin = _checkin_for_update(checkin_id)
    _require_runner(actor, checkin.group)
    if status not in MARKABLE:
        raise Invalid(_("状态应是已签到、迟到、请假或缺勤"), field="status")
    note = " ".join(str(note or "").split())
    if contains_unstorable(note):
        raise Invalid(unstorable_message(), field="note")
    if len(note) > 100:
        raise Invalid(_("备注最多 100 个字"), field="note")
    note = screened("note", note, school=checkin.group.school_id)
    username = str(username or "")[:150]
    target = (None if contains_unstorable(username)
              else User.objects.filter(username=username).first())
    member = (Membership.objects.filter(group=checkin.group, user=target).first()
              if target is not None else None)
    if member is None or not rules.on_roll(target, member.role):
        raise NotFound(_("这位同学不在本班的点名名单上"), field="username")
    with transaction.atomic():
        record = (Attendance.objects.select_for_update()
                  .filter(checkin=checkin, user=target).first())
        before = record.status if record is not None else None
        if record is None:
            record = Attendance(checkin=checkin, user=target)
        record.status = status
        record.marked_by = actor.user
        record.note = note
        if record.pk is None:
            try:
                with transaction.atomic():
                    record.save()
            except IntegrityError:  # the student checked in at this very moment
                raise Conflict(_("这位同学刚刚签到了，请刷新后再改")) from None
        else:
            record.save(update_fields=["status", "marked_by", "note", "updated_at"])
        audit.record("checkin.attendance_marked", by=actor, target=target,
                     school=checkin.group.school_id,
                     detail={"checkin": checkin.pk, "group": checkin.group_id,
                             "from": before, "to": status, "note": note})
    return record


def close_checkin(*, actor: Actor, checkin_id) -> Checkin:
    """Close it now (a teacher ends it early)."""
    actor.require_scope("classroom:write")
    actor.require_user()
    checkin = _checkin_for_update(checkin_id)
    _require_runner(actor, checkin.group)
    now = timezone.now()
    state = checkin.state(now)
    if checkin.closed_at is not None:
        raise Conflict(_("签到已经结束"))
    if state == "scheduled":
        raise Invalid(_("签到还没开始，不能结束"), field="checkin")
    with transaction.atomic():
        updated = Checkin.objects.filter(pk=checkin.pk, closed_at__isnull=True).update(
            closes_at=min(checkin.closes_at, now), late_after=min(checkin.late_after, now))
        if not updated:
            raise Conflict(_("签到已经结束"))
        closing.finalize(checkin_id=checkin.pk)
    checkin.refresh_from_db()
    return checkin

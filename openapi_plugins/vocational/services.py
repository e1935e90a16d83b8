"""Every write to training records (实训/实习记录).

- log_record / update_record / delete_record: the student, on their own records;
  editing only while draft or returned, deleting only drafts.
- submit_record: the student sends a finished record (its end date has passed)
  to a supervisor who passes rules.can_supervise.
- sign_off_record / return_record: only the supervisor it was submitted to, and
  only while it is submitted. A signed record is final.
- add_attachment / remove_attachment: the student, while the record can be edited;
  files are checked by their content and stored under random names in the
  protected storage (yiban_core.files), read only by those who may read the record.

Users through a token need `training:write`. Each write locks the record's row,
so a sign-off and a return (or an edit) racing each other cannot both win.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from openapi_plugins.vocational import rules
from openapi_plugins.vocational.models import (
    ATTACHMENT_MAX_BYTES,
    MAX_ATTACHMENTS,
    MAX_HOURS,
    TrainingAttachment,
    TrainingRecord,
)
from resources.files import detect_type, safe_filename
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied
from yiban_core.files.storage import protected_storage_instance
from yiban_core.unchanged import UNCHANGED

Status = TrainingRecord.Status
TEXT_LIMITS = {"title": 100, "workplace": 100, "tasks": 5000, "reflection": 5000}
COMMENT_LIMIT = 2000
HOURS_STEP = Decimal("0.1")
# Certificates, reports and photos; not archives or media.
ATTACHMENT_TYPES = frozenset({
    "application/pdf", "image/jpeg", "image/png", "image/webp", "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
})


# --- validation ---------------------------------------------------------------------------


def _clean_text(value: Any, *, field: str, required: bool) -> str:
    text = str(value or "").strip()
    if required and not text:
        messages = {"title": _("请填写标题"), "workplace": _("请填写实习单位或实训车间"),
                    "tasks": _("请填写完成的任务")}
        raise Invalid(messages[field], field=field)
    if len(text) > TEXT_LIMITS[field]:
        raise Invalid(_("不能超过 %(max)d 个字") % {"max": TEXT_LIMITS[field]}, field=field)
    return text


def _clean_kind(kind: Any) -> str:
    if kind not in TrainingRecord.Kind.values:
        raise Invalid(_("请选择实训或实习"), field="kind")
    return str(kind)


def _clean_hours(value: Any) -> Decimal:
    if isinstance(value, bool) or value is None or value == "":
        raise Invalid(_("请填写学时"), field="hours")
    try:
        hours = Decimal(str(value).strip())
    except InvalidOperation:
        raise Invalid(_("学时须是数字，例如 16 或 7.5"), field="hours") from None
    if not hours.is_finite() or hours <= 0:
        raise Invalid(_("学时须大于 0"), field="hours")
    if hours > MAX_HOURS:
        raise Invalid(_("一条记录最多 %(max)s 学时") % {"max": MAX_HOURS}, field="hours")
    if hours != hours.quantize(HOURS_STEP):
        raise Invalid(_("学时最多保留一位小数"), field="hours")
    return hours.quantize(HOURS_STEP)


def _clean_dates(start: Any, end: Any, hours: Decimal) -> None:
    for field, value in (("start_date", start), ("end_date", end)):
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            raise Invalid(_("请填写有效的日期"), field=field)
    if start > timezone.localdate():
        raise Invalid(_("开始日期不能晚于今天"), field="start_date")
    if end < start:
        raise Invalid(_("结束日期不能早于开始日期"), field="end_date")
    days = (end - start).days + 1
    if hours > 24 * days:
        raise Invalid(_("%(days)d 天里最多 %(max)d 学时") % {"days": days, "max": 24 * days},
                      field="hours")


def _clean_record(data: dict[str, Any]) -> dict[str, Any]:
    clean = {
        "kind": _clean_kind(data["kind"]),
        "title": _clean_text(data["title"], field="title", required=True),
        "workplace": _clean_text(data["workplace"], field="workplace", required=True),
        "tasks": _clean_text(data["tasks"], field="tasks", required=True),
        "reflection": _clean_text(data.get("reflection"), field="reflection", required=False),
        "hours": _clean_hours(data["hours"]),
        "start_date": data["start_date"],
        "end_date": data["end_date"],
    }
    _clean_dates(clean["start_date"], clean["end_date"], clean["hours"])
    return clean


def _clean_comment(comment: Any, *, required: bool) -> str:
    text = str(comment or "").strip()
    if required and not text:
        raise Invalid(_("退回时请写明需要修改的地方"), field="comment")
    if len(text) > COMMENT_LIMIT:
        raise Invalid(_("评语不能超过 %(max)d 个字") % {"max": COMMENT_LIMIT}, field="comment")
    return text


# --- permission ---------------------------------------------------------------------------


def _writer(actor: Actor) -> User:
    actor.require_scope("training:write")
    return actor.require_user()


def _locked(record: TrainingRecord) -> TrainingRecord:
    """The record's row, locked until the transaction ends, as it is now."""
    # Only the non-null relations: PostgreSQL cannot lock the nullable side of an outer join.
    return TrainingRecord.objects.select_for_update().select_related(
        "student", "school").get(pk=record.pk)


def _own_editable(user: User, record: TrainingRecord) -> TrainingRecord:
    record = _locked(record)
    if record.student_id != user.pk:
        raise PermissionDenied(_("只能修改自己的实训/实习记录"))
    if record.status == Status.SUBMITTED:
        raise Conflict(_("记录正在等待老师签字，不能修改"))
    if record.status == Status.SIGNED:
        raise Conflict(_("记录已经签字确认，不能再修改"))
    return record


def _supervised(user: User, record: TrainingRecord) -> TrainingRecord:
    record = _locked(record)
    if record.supervisor_id != user.pk:
        raise PermissionDenied(_("只有学生选定的指导教师可以签字或退回"))
    if record.status != Status.SUBMITTED:
        raise Conflict(_("这条记录不在待签字状态"))
    if not rules.can_supervise(user, student=record.student, school_id=record.school_id):
        raise PermissionDenied(_("你已不是本校已认证的教师，不能签字"))
    return record


# --- services -----------------------------------------------------------------------------


def log_record(*, actor: Actor, kind: str, title: str, workplace: str, start_date: dt.date,
               end_date: dt.date, hours: Any, tasks: str, reflection: str = "") -> TrainingRecord:
    """A student writes down a training or internship block (a draft)."""
    user = _writer(actor)
    if user.role != User.Role.STUDENT:
        raise PermissionDenied(_("只有学生可以填写实训/实习记录"))
    if user.school_id is None:
        raise PermissionDenied(_("请先在个人资料里选择你的学校，再填写实训/实习记录"))
    data = _clean_record({"kind": kind, "title": title, "workplace": workplace,
                          "start_date": start_date, "end_date": end_date, "hours": hours,
                          "tasks": tasks, "reflection": reflection})
    return TrainingRecord.objects.create(student=user, school_id=user.school_id, **data)


@transaction.atomic
def update_record(*, actor: Actor, record: TrainingRecord, kind: Any = UNCHANGED,
                  title: Any = UNCHANGED, workplace: Any = UNCHANGED,
                  start_date: Any = UNCHANGED, end_date: Any = UNCHANGED, hours: Any = UNCHANGED,
                  tasks: Any = UNCHANGED, reflection: Any = UNCHANGED) -> TrainingRecord:
    """The student changes a draft or a returned record; fields left out stay as they are."""
    record = _own_editable(_writer(actor), record)
    given = {"kind": kind, "title": title, "workplace": workplace, "start_date": start_date,
             "end_date": end_date, "hours": hours, "tasks": tasks, "reflection": reflection}
    data = {name: getattr(record, name) if value is UNCHANGED else value
            for name, value in given.items()}
    for name, value in _clean_record(data).items():
        setattr(record, name, value)
    record.save()
    return record


@transaction.atomic
def submit_record(*, actor: Actor, record: TrainingRecord,
                  supervisor: User | None) -> TrainingRecord:
    """The student asks a teacher to sign the record off."""
    record = _own_editable(_writer(actor), record)
    if supervisor is None:
        raise Invalid(_("请选择指导教师"), field="supervisor")
    if not rules.can_supervise(supervisor, student=record.student, school_id=record.school_id):
        raise Invalid(_("指导教师须是本校已认证的教师"), field="supervisor")
    if record.end_date > timezone.localdate():
        raise Invalid(_("实训/实习结束后才能提交签字"), field="end_date")
    record.supervisor = supervisor
    record.status = Status.SUBMITTED
    record.save(update_fields=["supervisor", "status", "updated_at"])
    return record


@transaction.atomic
def sign_off_record(*, actor: Actor, record: TrainingRecord, comment: str = "") -> TrainingRecord:
    """The supervisor confirms the record: it joins the student's growth record, for good."""
    user = _writer(actor)
    record = _supervised(user, record)
    record.teacher_comment = _clean_comment(comment, required=False)
    record.status = Status.SIGNED
    record.signed_by = user
    record.signed_at = timezone.now()
    record.save(update_fields=["teacher_comment", "status", "signed_by", "signed_at",
                               "updated_at"])
    return record


@transaction.atomic
def return_record(*, actor: Actor, record: TrainingRecord, comment: str) -> TrainingRecord:
    """The supervisor sends the record back with what to fix; the student edits and resubmits."""
    record = _supervised(_writer(actor), record)
    record.teacher_comment = _clean_comment(comment, required=True)
    record.status = Status.RETURNED
    record.save(update_fields=["teacher_comment", "status", "updated_at"])
    return record


@transaction.atomic
def delete_record(*, actor: Actor, record: TrainingRecord) -> None:
    """The student throws away a draft (submitted, returned or signed records stay)."""
    record = _own_editable(_writer(actor), record)
    if record.status != Status.DRAFT:
        raise Conflict(_("只能删除草稿"))
    _delete_files_on_commit([a.file.name for a in record.attachments.all()])
    record.delete()


def _delete_files_on_commit(names: list[str]) -> None:
    def delete():
        for name in names:
            protected_storage_instance.delete(name)

    transaction.on_commit(delete)


def _check_attachment(upload) -> str:
    if upload is None or not getattr(upload, "size", 0):
        raise Invalid(_("请选择要上传的文件"), field="file")
    if upload.size > ATTACHMENT_MAX_BYTES:
        raise Invalid(_("附件不能超过 %(size)s") % {"size": filesizeformat(ATTACHMENT_MAX_BYTES)},
                      field="file")
    mime = detect_type(upload)
    if mime not in ATTACHMENT_TYPES:
        raise Invalid(_("附件只能是 PDF、Word、Excel、PPT 或图片"), field="file")
    return mime


def add_attachment(*, actor: Actor, record: TrainingRecord, upload) -> TrainingAttachment:
    """The student adds evidence (a certificate, a report, photos) to an editable record."""
    user = _writer(actor)
    mime = _check_attachment(upload)
    stem = str(getattr(upload, "name", "") or "").rsplit(".", 1)[0] or record.title
    attachment = TrainingAttachment(filename=safe_filename(stem, mime), content_type=mime,
                                    size=upload.size)
    try:
        with transaction.atomic():
            record = _own_editable(user, record)
            if record.attachments.count() >= MAX_ATTACHMENTS:
                raise Conflict(_("每条记录最多 %(n)d 个附件") % {"n": MAX_ATTACHMENTS})
            attachment.record = record
            attachment.file.save(attachment.filename, upload, save=False)
            attachment.save()
    except Exception:
        if attachment.file.name:  # stored, but the row was not: no orphan file
            attachment.file.delete(save=False)
        raise
    return attachment


@transaction.atomic
def remove_attachment(*, actor: Actor, record: TrainingRecord, attachment_id) -> None:
    record = _own_editable(_writer(actor), record)
    try:
        attachment = record.attachments.get(pk=int(attachment_id))
    except (TypeError, ValueError, TrainingAttachment.DoesNotExist):
        raise NotFound(_("没有这个附件"), field="attachment") from None
    _delete_files_on_commit([attachment.file.name])
    attachment.delete()

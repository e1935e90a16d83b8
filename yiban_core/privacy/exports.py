"""下载我的数据: a person asks for an archive of their data, a task builds it, they are
notified, and they download it through a short-lived link, alone and in a web session.

- One export at a time: while one is queued another is refused; after a ready one, the
  next waits a day (EXPORT_EVERY); after a failed one it may be asked for at once.
- The archive is kept EXPORT_KEEP (7 days), then removed by a periodic task.
- The download link carries a signature of the export and its owner that lasts
  LINK_MAX_AGE: a link copied out of the page, mailed on or found in a history stops
  working within the hour; the page signs a fresh one on each view. The view also checks
  that the signed-in user is the owner. A refused download (another person, a visitor,
  an expired link) is in the owner's access log and the security log.
"""

from __future__ import annotations

import logging
import tempfile
from datetime import timedelta

from django.core import signing
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from yiban_core.actor import Actor, web_session_only
from yiban_core.errors import Conflict, NotFound, RateLimited
from yiban_core.privacy.access_log import record_privacy_act
from yiban_core.privacy.archive import write_archive
from yiban_core.privacy.models import DataExport

logger = logging.getLogger(__name__)

EXPORT_EVERY = timedelta(days=1)
EXPORT_KEEP = timedelta(days=7)
LINK_MAX_AGE = timedelta(hours=1)
_SALT = "yiban.privacy.export-download"


class Gone(NotFound):
    """An export that was there and is no more (expired, removed) or a link past its age:
    not found, and the page answers 410 to say it will not come back."""


@web_session_only(gettext_lazy("数据导出只能由本人在网页上申请"))
def request_export(*, actor: Actor) -> DataExport:
    """Queue an archive of the actor's data; the task builds it after commit."""
    from yiban_core.accounts.models import User
    from yiban_core.privacy.tasks import build_export

    user = actor.require_user()
    now = timezone.now()
    with transaction.atomic():
        # One request at a time per person: two clicks in flight queue one export.
        User.objects.select_for_update().filter(pk=user.pk).first()
        latest = DataExport.objects.filter(user=user).order_by("-requested_at", "-pk").first()
        if latest is not None and latest.status == DataExport.Status.PENDING:
            raise Conflict(_("你已有一份数据导出正在生成，完成后会通知你"))
        if (latest is not None and latest.status != DataExport.Status.FAILED
                and latest.requested_at > now - EXPORT_EVERY):
            wait = latest.requested_at + EXPORT_EVERY - now
            raise RateLimited(
                _("每天只能申请一次数据导出，请在 %(hours)d 小时后再试")
                % {"hours": max(1, round(wait.total_seconds() / 3600))},
                retry_after=int(wait.total_seconds()))
        export = DataExport.objects.create(user=user, requested_at=now)
        record_privacy_act(user, "export.requested")
        build_export.enqueue(export_id=export.pk)
    return export


def build(export: DataExport) -> DataExport:
    """Build the archive of a queued export, store it, notify its owner. A second run
    finds the export no longer queued and does nothing."""
    from yiban_core.notifications.models import Notification
    from yiban_core.notifications.services import notify

    if export.status != DataExport.Status.PENDING:
        return export
    try:
        with tempfile.TemporaryFile() as scratch:
            write_archive(export.user, scratch)
            size = scratch.tell()
            scratch.seek(0)
            stamp = timezone.localtime(export.requested_at).strftime("%Y%m%d")
            export.file.save(f"yiban-{stamp}.zip", File(scratch), save=False)
    except Exception:
        logger.exception("data export %s failed", export.pk)
        DataExport.objects.filter(pk=export.pk).update(status=DataExport.Status.FAILED)
        export.status = DataExport.Status.FAILED
        return export
    now = timezone.now()
    with transaction.atomic():
        updated = DataExport.objects.filter(pk=export.pk, status=DataExport.Status.PENDING) \
            .update(status=DataExport.Status.READY, file=export.file.name, size=size,
                    ready_at=now, expires_at=now + EXPORT_KEEP)
        if not updated:  # another run finished first: keep its file, drop ours
            export.file.storage.delete(export.file.name)
            export.refresh_from_db()
            return export
        notify(recipient_ids=[export.user_id], kind=Notification.Kind.DATA_EXPORT_READY,
               event_key=f"data_export_ready:{export.pk}")
    export.refresh_from_db()
    return export


def expire_due(now=None) -> int:
    """Remove the archives past their time; the rows stay (the person's list says 已过期)."""
    now = now or timezone.now()
    removed = 0
    due = DataExport.objects.filter(status=DataExport.Status.READY, expires_at__lte=now)
    for export in due.iterator(chunk_size=100):
        if export.file:
            export.file.storage.delete(export.file.name)
        removed += DataExport.objects.filter(pk=export.pk, status=DataExport.Status.READY) \
            .update(status=DataExport.Status.EXPIRED, file="", size=0)
    return removed


def my_exports(*, actor: Actor, limit: int = 10) -> list[DataExport]:
    user = actor.require_user()
    return list(DataExport.objects.filter(user=user).order_by("-requested_at", "-pk")[:limit])


def download_token(export: DataExport) -> str:
    return signing.TimestampSigner(salt=_SALT).sign(f"{export.pk}:{export.user_id}")


def downloadable(*, actor: Actor, pk: int, token: str) -> DataExport:
    """The export behind a download link, for its owner in a web session while it is
    ready, unexpired and the link young. Anything else raises (NotFound for what the
    asker may not know of, Gone for the owner's expired export or stale link) after
    putting the refusal in the owner's access log."""
    from yiban_core.privacy.access_log import record_refused

    export = DataExport.objects.select_related("user").filter(pk=pk).first()
    if export is None:
        raise NotFound(_("没有这份数据导出"))
    refusal = _refusal(actor, export, token)
    if refusal is None:
        return export
    reason, error = refusal
    if reason == "not_ready":  # the owner, early: nothing to record
        raise error
    record_refused(export.user, "export.refused", actor=actor if actor.user else None,
                   detail={"export": export.pk, "reason": reason})
    raise error


def record_downloaded(export: DataExport, *, ip: str | None = None) -> None:
    """The owner's access log keeps each download of their archive (a download they do not
    remember is worth seeing)."""
    record_privacy_act(export.user, "export.downloaded", detail={"export": export.pk}, ip=ip)


def _refusal(actor: Actor, export: DataExport, token: str):
    if actor.user is None or actor.user.pk != export.user_id or actor.scopes is not None:
        return "not_owner", NotFound(_("没有这份数据导出"))
    try:
        signed = signing.TimestampSigner(salt=_SALT).unsign(
            token, max_age=LINK_MAX_AGE.total_seconds())
    except signing.SignatureExpired:
        return "link_expired", Gone(_("下载链接已过期，请回到隐私设置页重新点击下载"))
    except signing.BadSignature:
        signed = None
    if signed != f"{export.pk}:{export.user_id}":
        return "bad_link", NotFound(_("下载链接无效，请回到隐私设置页重新点击下载"))
    expired = export.expires_at is not None and export.expires_at <= timezone.now()
    if export.status == DataExport.Status.EXPIRED or expired:
        return "expired", Gone(_("这份数据导出已过期并已删除，请重新申请"))
    if export.status != DataExport.Status.READY or not export.file:
        return "not_ready", NotFound(_("这份数据导出还没有生成好"))
    return None

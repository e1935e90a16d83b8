"""The privacy hub (/settings/privacy/) and its 下载我的数据 section: ask for an archive,
see the archives asked for and their state, download a ready one."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from frontend.errors import error_page, show_error
from yiban_core.accounts import selectors as account_selectors
from yiban_core.audit.context import get_ip
from yiban_core.errors import DomainError
from yiban_core.files import serve
from yiban_core.files.owners import Audience
from yiban_core.privacy import exports
from yiban_core.privacy.models import DataExport


def _hub_url() -> str:
    return reverse("settings_privacy") + "#export"


@login_required
def hub(request):
    """Who sees what of you, and what you may do with your data: download it here; the
    consents, the access log, cancelling the account have sections of their own."""
    rows = exports.my_exports(actor=request.actor)
    for export in rows:
        export.download_url = (
            reverse("privacy_export_download", args=[export.pk])
            + "?t=" + exports.download_token(export)
            if export.status == DataExport.Status.READY else None)
    return render(request, "frontend/privacy/hub.html", {
        "show_member_number": account_selectors.can_see_member_number(
            actor=request.actor, user=request.user),
        "exports": rows,
        "pending": any(e.status == DataExport.Status.PENDING for e in rows),
    })


@require_POST
@login_required
def request_export(request):
    try:
        exports.request_export(actor=request.actor)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已开始生成你的数据，完成后会通知你"))
    return redirect(_hub_url())


@require_safe
def download(request, pk: int):
    """The archive, for its owner with a fresh link; anyone else, or a stale link, gets a
    page that says only that it cannot be had (and the owner's access log says who tried)."""
    try:
        export = exports.downloadable(actor=request.actor, pk=pk,
                                      token=request.GET.get("t", ""))
    except exports.Gone as error:
        return render(request, "frontend/error.html",
                      {"error": error, "title": _("链接已失效")}, status=410)
    except DomainError as error:
        return error_page(request, error)
    exports.record_downloaded(export, ip=get_ip())
    stamp = export.requested_at.strftime("%Y%m%d")
    return serve.send(request, storage=export.file.storage, name=export.file.name,
                      audience=Audience.RESTRICTED, as_attachment=True,
                      filename=f"yiban-{request.user.username}-{stamp}.zip",
                      content_type="application/zip")

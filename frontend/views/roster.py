"""A school administrator imports a OneRoster export (a zip of CSV files): a preview first,
then apply or cancel; the history of the school's imports, each with its report; a sample
file to start from.

Only the school's administrators find these pages (404 for anyone else, as the school's
app pages do); the import goes through the same services as the management command and a
school app's GraphQL syncs (openapi_plugins.academic_affairs.services.imports).
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, show_error
from openapi_plugins.academic_affairs import oneroster, selectors, services
from openapi_plugins.academic_affairs.models import ImportRun
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.accounts.two_factor import two_factor_required
from yiban_core.errors import DomainError, Invalid, NotFound

MAX_UPLOAD_BYTES = 20 * 1024 * 1024


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("OneRoster 压缩包（zip）"),
        help_text=gettext_lazy("OneRoster 1.1 或 1.2 的 CSV 文件打成的 zip：orgs.csv、"
                               "academicSessions.csv、courses.csv、classes.csv、"
                               "users.csv、enrollments.csv（1.2 另有 roles.csv）"))
    org = forms.CharField(label=gettext_lazy("本校在导出文件中的 sourcedId"), max_length=255,
                          required=False,
                          help_text=gettext_lazy("orgs.csv 里代表本校的机构（type=school）；"
                                                 "文件里只有一所学校时可以不填"))


def _admin_school(request, school_id):
    school = account_selectors.schools(actor=request.actor).filter(pk=school_id).first()
    if school is None or not is_school_admin(request.user, school):
        raise NotFound(_("没有这个页面"))
    return school


def _run_of(request, school, pk) -> ImportRun:
    run = selectors.import_runs(actor=request.actor, school=school).filter(pk=pk).first()
    if run is None:
        raise NotFound(_("没有这次导入"))
    return run


@two_factor_required
@login_required
@domain_errors
def roster_import(request, school_id):
    """Upload: the file is read and its import planned (a dry run), then shown to confirm."""
    school = _admin_school(request, school_id)
    form = RosterImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_UPLOAD_BYTES:
                raise Invalid(_("文件不能超过 20 MB"), field="file")
            run = services.preview_import(actor=request.actor, school=school,
                                          data=upload.read(), filename=upload.name,
                                          org_sourced_id=form.cleaned_data["org"])
            return redirect("roster_import_run", school_id=school.pk, pk=run.pk)
        except DomainError as error:
            show_error(request, error, form)
    return render(request, "frontend/roster/import.html",
                  {"school": school, "form": form},
                  status=400 if form.errors else 200)


@two_factor_required
@login_required
@domain_errors
def import_history(request, school_id):
    school = _admin_school(request, school_id)
    runs = selectors.import_runs(actor=request.actor, school=school)[:100]
    return render(request, "frontend/roster/history.html", {"school": school, "runs": runs})


@two_factor_required
@login_required
@domain_errors
def import_run(request, school_id, pk):
    """One import: its plan (pending) or its report (applied), apply and cancel buttons."""
    school = _admin_school(request, school_id)
    return render(request, "frontend/roster/run.html",
                  {"school": school, "run": _run_of(request, school, pk)})


@two_factor_required
@login_required
@require_POST
@domain_errors
def import_run_decide(request, school_id, pk, action):
    school = _admin_school(request, school_id)
    run = _run_of(request, school, pk)
    try:
        if action == "apply":
            run = services.apply_import(actor=request.actor, run_id=run.pk)
            if run.status == ImportRun.Status.APPLIED:
                messages.success(request, _("名单已导入"))
            else:
                messages.warning(request, _("预览之后本校的数据有了变化，已重新预览；"
                                            "请核对下面的新结果后再确认导入"))
        elif action == "cancel":
            services.cancel_import(actor=request.actor, run_id=run.pk)
            messages.info(request, _("已取消这次导入，没有做任何改变"))
        else:
            raise NotFound(_("没有这个页面"))
    except DomainError as error:
        show_error(request, error)
    return redirect("roster_import_run", school_id=school.pk, pk=run.pk)


@two_factor_required
@login_required
@domain_errors
def sample_file(request, school_id):
    _admin_school(request, school_id)
    response = HttpResponse(oneroster.sample_zip(), content_type="application/zip")
    response["Content-Disposition"] = 'attachment; filename="oneroster-sample.zip"'
    return response

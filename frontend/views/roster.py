"""A school administrator imports a OneRoster export (a zip of CSV files) and sees the report.

Only the school's administrators find the page (404 for anyone else, as the
school's app pages do); the import goes through the same service as the
management command and a school app's GraphQL syncs.
"""

from __future__ import annotations

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.errors import domain_errors, show_error
from openapi_plugins.academic_affairs import oneroster, services
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


def _org_for(roster: oneroster.Roster, org: str) -> str:
    if org:
        return org
    schools = oneroster.schools_in(roster)
    if len(schools) == 1:
        return schools[0][0]
    choices = "、".join(f"{sid}（{name}）" for sid, name in schools) or _("无")
    raise Invalid(_("文件里有多所学校，请填写本校的 sourcedId：%(choices)s")
                  % {"choices": choices}, field="org")


@two_factor_required
@login_required
@domain_errors
def roster_import(request, school_id):
    school = _admin_school(request, school_id)
    report = None
    form = RosterImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            if upload.size > MAX_UPLOAD_BYTES:
                raise Invalid(_("文件不能超过 20 MB"), field="file")
            roster = oneroster.read_roster(upload)
            report = services.import_oneroster(
                actor=request.actor, school=school, roster=roster,
                org_sourced_id=_org_for(roster, form.cleaned_data["org"].strip()))
        except DomainError as error:
            show_error(request, error, form)
    return render(request, "frontend/roster/import.html",
                  {"school": school, "form": form, "report": report},
                  status=400 if form.errors else 200)

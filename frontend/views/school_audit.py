"""A school's audit log, for its administrators: pick a date range, get a CSV (UTF-8 with a
byte-order mark, frontend/csv_export.py). Anyone else finds no page here (404, as the
school's other pages)."""

from __future__ import annotations

import json
from datetime import timedelta

from django import forms
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.csv_export import csv_response
from frontend.errors import domain_errors
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.accounts.two_factor import two_factor_required
from yiban_core.audit import selectors
from yiban_core.errors import NotFound, invalid_from_validation_error

DEFAULT_DAYS = 30


class AuditExportForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("开始日期"),
                            widget=forms.DateInput(attrs={"type": "date"}))
    until = forms.DateField(label=gettext_lazy("结束日期"),
                            widget=forms.DateInput(attrs={"type": "date"}))


def _admin_school(request, school_id):
    school = account_selectors.schools(actor=request.actor).filter(pk=school_id).first()
    if school is None or not is_school_admin(request.user, school):
        raise NotFound(_("没有这个页面"))
    return school


def _default_range() -> dict:
    today = timezone.localdate()
    return {"since": today - timedelta(days=DEFAULT_DAYS - 1), "until": today}


@two_factor_required
@login_required
@domain_errors
def school_audit(request, school_id):
    school = _admin_school(request, school_id)
    return render(request, "frontend/schools/audit.html",
                  {"school": school, "form": AuditExportForm(initial=_default_range())})


@two_factor_required
@login_required
@domain_errors
def school_audit_csv(request, school_id):
    school = _admin_school(request, school_id)
    form = AuditExportForm(request.GET if request.GET else _default_range())
    if not form.is_valid():
        raise invalid_from_validation_error(forms.ValidationError(form.errors))
    since, until = form.cleaned_data["since"], form.cleaned_data["until"]
    entries = selectors.school_log(actor=request.actor, school=school, since=since,
                                   until=until)
    header = [_("时间"), _("操作"), _("操作代码"), _("结果"), _("操作人"), _("应用"),
              _("对象类型"), _("对象 ID"), _("对象"), _("IP 地址"), _("详情")]
    rows = ([timezone.localtime(e.at).strftime("%Y-%m-%d %H:%M:%S"), e.action_text, e.action,
             e.get_outcome_display(), e.actor_username, e.app.name if e.app else "",
             e.target_type, e.target_id, e.target_text, e.ip or "",
             json.dumps(e.detail, ensure_ascii=False, sort_keys=True)]
            for e in entries.iterator(chunk_size=1000))
    return csv_response(f"{school.name}-{_('审计日志')}-{since:%Y%m%d}-{until:%Y%m%d}.csv",
                        header, rows)

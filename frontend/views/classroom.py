"""Pages of check-in (签到): a class group's check-ins (the teacher starts one there), a
check-in's page (a student checks in on a phone; the teacher sees the class, marks by
hand, closes, exports CSV), and the classroom screen with the rotating code.

The one-device-per-person token is a cookie of its own (DEVICE_COOKIE: random,
HttpOnly, a year), set on the check-in page: logging out and in as someone else on the
same browser keeps it, so a second account on the device is refused.
"""

from __future__ import annotations

import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from classroom import rules, selectors, services
from classroom.models import Attendance
from frontend.csv_export import csv_response
from frontend.errors import domain_errors, error_page, show_error
from frontend.forms import StartCheckinForm
from yiban_core.accounts.rules import is_minor
from yiban_core.errors import DomainError, RateLimited
from yiban_core.groups import rules as group_rules
from yiban_core.groups import selectors as group_selectors
from yiban_core.groups.rules import role_in
from yiban_core.privacy import access_log, consent_selectors

DEVICE_COOKIE = "yiban_device"


def _device_token(request) -> tuple[str, bool]:
    token = request.COOKIES.get(DEVICE_COOKIE, "")
    if services.DEVICE_TOKEN.fullmatch(token):
        return token, False
    return secrets.token_urlsafe(24), True


def _header_context(request, group) -> dict:
    """What the group's header (its tabs) needs."""
    me = group_selectors.viewer_membership(actor=request.actor, group=group)
    return {"me": me, "can_see_content": True,
            "is_manager": group_rules.may_manage(request.actor, me.role if me else None)}


@login_required
@domain_errors
def group_checkins(request, pk):
    group, checkins = selectors.group_checkins(actor=request.actor, group_id=pk)
    role = role_in(request.actor, group)
    runs = rules.runs_class(request.actor, group, role)
    form = StartCheckinForm(request.POST or None) if runs else None
    if request.method == "POST" and form is not None and form.is_valid():
        try:
            checkin = services.start_checkin(actor=request.actor, group=group,
                                             **form.service_arguments())
        except DomainError as error:
            show_error(request, error, form, {"durationMinutes": "duration_minutes",
                                              "graceMinutes": "grace_minutes",
                                              "radiusM": "radius_m"})
        else:
            messages.success(request, _("签到已发起"))
            return redirect("checkin_detail", checkin.pk)
    now = timezone.now()
    rows = list(checkins[:30])
    for checkin in rows:
        checkin.current_state = checkin.state(now)
    return render(request, "frontend/classroom/group_checkins.html", {
        "group": group, "checkins": rows, "form": form, "runs_class": runs,
        **_header_context(request, group),
    })


@login_required
@domain_errors
def checkin_detail(request, pk):
    checkin = selectors.get_checkin(actor=request.actor, pk=pk)
    context = {"checkin": checkin, "group": checkin.group,
               "state": checkin.state(timezone.now()),
               "summary": selectors.summary(checkin),
               "runs_class": checkin.access.runs_class,
               # A class monitor runs the class and is on its roll: both show.
               "on_roll": rules.on_roll(request.actor.user, checkin.access.role),
               "record": selectors.my_record(actor=request.actor, checkin=checkin),
               "statuses": [(v, label) for v, label in Attendance.Status.choices]}
    if checkin.requires_place and request.user.is_authenticated:
        # A place check-in asks for its own consent first (PIPL Art. 29).
        context["location_consent"] = consent_selectors.has_location_consent(request.user)
        context["minor"] = is_minor(request.user)
    if checkin.access.runs_class:
        context["rows"] = selectors.roll_call(actor=request.actor, checkin=checkin)
        access_log.record_read([row.user for row in context["rows"] if row.user.member_number],
                               actor=request.actor, door="checkin")
    response = render(request, "frontend/classroom/checkin.html", context)
    token, new = _device_token(request)
    if new and checkin.one_device:
        response.set_cookie(DEVICE_COOKIE, token, max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=request.is_secure())
    return response


@require_POST
@login_required
@domain_errors
def checkin_submit(request, pk):
    token, _new = _device_token(request)
    try:
        record = services.check_in(
            actor=request.actor, checkin_id=pk, code=request.POST.get("code", "")[:20],
            latitude=request.POST.get("latitude") or None,
            longitude=request.POST.get("longitude") or None,
            accuracy=request.POST.get("accuracy") or None,
            device_token=token if not _new else "")
    except RateLimited as error:
        return error_page(request, error)
    except DomainError as error:
        show_error(request, error)
    else:
        if record.status == Attendance.Status.LATE:
            messages.warning(request, _("签到成功（迟到）"))
        else:
            messages.success(request, _("签到成功"))
    return redirect("checkin_detail", pk)


@require_POST
@login_required
@domain_errors
def checkin_close(request, pk):
    try:
        services.close_checkin(actor=request.actor, checkin_id=pk)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("签到已结束，未签到的同学记为缺勤"))
    return redirect("checkin_detail", pk)


@require_POST
@login_required
@domain_errors
def checkin_mark(request, pk):
    try:
        services.mark_attendance(actor=request.actor, checkin_id=pk,
                                 username=request.POST.get("username", "")[:150],
                                 status=request.POST.get("status", "")[:10],
                                 note=request.POST.get("note", "")[:200])
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已更新考勤"))
    return redirect("checkin_detail", pk)


@login_required
@domain_errors
def checkin_screen(request, pk):
    checkin = selectors.get_checkin(actor=request.actor, pk=pk)
    code = selectors.screen_code(actor=request.actor, checkin=checkin)
    return render(request, "frontend/classroom/screen.html", {
        "checkin": checkin, "group": checkin.group, "code": code[0] if code else None,
        "summary": selectors.summary(checkin)})


@login_required
@domain_errors
def checkin_code(request, pk):
    """The screen's code, asked again as it changes (classroom.js)."""
    checkin = selectors.get_checkin(actor=request.actor, pk=pk)
    code = selectors.screen_code(actor=request.actor, checkin=checkin)
    counts = selectors.summary(checkin)
    response = JsonResponse({
        "code": code[0] if code else None,
        "refresh_in_ms": int(code[1] * 1000) + 50 if code else None,
        "checked_in": counts["present"] + counts["late"], "expected": counts["expected"],
        "state": checkin.state(timezone.now())})
    response["Cache-Control"] = "no-store"
    return response


@login_required
@domain_errors
def checkin_csv(request, pk):
    checkin = selectors.get_checkin(actor=request.actor, pk=pk)
    rows = selectors.roll_call(actor=request.actor, checkin=checkin)
    access_log.record_read([row.user for row in rows if row.user.member_number],
                           actor=request.actor, door="checkin_csv")
    labels = dict(Attendance.Status.choices)

    def when(value):
        return timezone.localtime(value).strftime("%Y-%m-%d %H:%M:%S") if value else ""

    header = [_("姓名"), _("用户名"), _("学号"), _("状态"), _("签到时间"), _("距离（米）"),
              _("定位精度（米）"), _("备注")]
    body = ((row.user.display_name or row.user.username, row.user.username,
             row.user.member_number or "", labels.get(row.status, _("未签到")),
             when(row.record.checked_in_at) if row.record else "",
             row.record.distance_m if row.record and row.record.distance_m is not None else "",
             row.record.accuracy_m if row.record and row.record.accuracy_m is not None else "",
             row.record.note if row.record else "") for row in rows)
    stamp = timezone.localtime(checkin.opens_at).strftime("%Y%m%d-%H%M")
    return csv_response(f"{checkin.group.name}-{_('签到')}-{stamp}.csv", header, body)

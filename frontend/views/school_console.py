"""A school's administration console (学校管理后台) at /schools/<id>/: an overview with
counts and the way to every school page, and the school's members (search, filter, CSV).
Only the school's administrators and site admins; anyone else gets a 404, as the
school's other pages answer."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from frontend.csv_export import csv_response
from frontend.errors import domain_errors
from frontend.views.claim import admin_school
from yiban_core.accounts.two_factor import two_factor_required
from yiban_core.moderation import selectors as moderation_selectors
from yiban_core.privacy import access_log, minors
from yiban_core.verification import selectors

MEMBERS_PER_PAGE = 50


def _filters(request) -> dict[str, str]:
    status = request.GET.get("status", "")
    return {"query": request.GET.get("q", "").strip()[:40],
            "status": status if status in selectors.MEMBER_FILTERS else ""}


@two_factor_required
@login_required
@domain_errors
def overview(request, school_id):
    school = admin_school(request, school_id)
    counts = selectors.member_counts(actor=request.actor, school=school)
    counts["open_cases"] = moderation_selectors.queue_cases(actor=request.actor) \
        .filter(school=school).count()
    return render(request, "frontend/schools/console.html",
                  {"school": school, "counts": counts})


@two_factor_required
@login_required
@domain_errors
def members(request, school_id):
    school = admin_school(request, school_id)
    filters = _filters(request)
    found = selectors.school_members(actor=request.actor, school=school, **filters)
    page = Paginator(found, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    access_log.record_people_read(page, actor=request.actor, door="school_members")
    return render(request, "frontend/schools/members.html", {
        "school": school, "page": page, "query": filters["query"],
        "status": filters["status"], "statuses": [
            ("", _("全部")), ("verified", _("已认证")), ("claimed", _("已登录过")),
            ("never", _("从未登录")), ("minor", _("未成年人"))],
        "class_groups": minors.class_groups_of(actor=request.actor, school=school),
    })


@two_factor_required
@login_required
@domain_errors
def members_csv(request, school_id):
    school = admin_school(request, school_id)
    found = selectors.school_members(actor=request.actor, school=school, **_filters(request))
    header = [_("学号/工号"), _("昵称"), _("用户名"), _("身份"), _("认证时间"),
              _("最近登录")]

    def when(moment) -> str:
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""

    listed = list(found.iterator(chunk_size=1000))
    access_log.record_people_read(listed, actor=request.actor, door="school_members_csv")
    rows = ([m.member_number or "", m.display_name, m.username, m.get_role_display(),
             when(m.verified_at), when(m.last_login)] for m in listed)
    return csv_response(f"{school.name}-{_('成员')}-{timezone.localdate():%Y%m%d}.csv",
                        header, rows)

"""Minors mode's pages (未成年人模式): the person's section in settings, and the school
console's marking of its members (yiban_core/privacy/minors.py holds the rules)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, show_error
from frontend.views.claim import admin_school
from yiban_core import redirects
from yiban_core.accounts.rules import is_minor
from yiban_core.accounts.two_factor import two_factor_required
from yiban_core.errors import DomainError
from yiban_core.notifications.rules import in_quiet_hours
from yiban_core.privacy import minors


@login_required
@domain_errors
def settings_minors(request):
    """Whether minors mode is on, why, and what it does; the birth date is entered here."""
    if request.method == "POST":
        try:
            minors.set_birth_date(actor=request.actor,
                                  birth_date=request.POST.get("birth_date", ""))
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, _("出生日期已保存"))
        return redirect("settings_minors")
    user = request.user
    return render(request, "frontend/privacy/minors.html", {
        "on": is_minor(user), "reason": minors.reason(user),
        "birth_date": user.profile.birth_date, "quiet_now": in_quiet_hours(),
    })


@require_POST
@two_factor_required
@login_required
@domain_errors
def school_minors(request, school_id):
    """The school's administrators mark members as minors (or lift the mark): the ones
    ticked on the member list, a whole class group, or an enrolment year."""
    school = admin_school(request, school_id)
    minor = request.POST.get("action") != "unmark"
    back = redirects.next_url(request, reverse("school_members", args=[school.pk]))
    try:
        changed = minors.mark_minors(
            actor=request.actor, school=school, usernames=request.POST.getlist("usernames"),
            enrolment_year=request.POST.get("enrolment_year") or None,
            class_group_id=request.POST.get("class_group") or None, minor=minor)
    except DomainError as error:
        show_error(request, error)
    else:
        done = (_("已标记 %(n)d 人为未成年人") if minor
                else _("已取消 %(n)d 人的未成年人标记")) % {"n": changed}
        messages.success(request, done)
    return redirect(back)

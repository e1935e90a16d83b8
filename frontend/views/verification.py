"""Verification requests: a student asks their school to verify them
(/settings/school/verification/), the school's administrators decide in a queue
(/schools/<id>/verification/)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, error_page, retry_later, show_error
from frontend.forms import SchoolChoiceField
from frontend.views.claim import admin_school
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.two_factor import two_factor_required
from yiban_core.errors import DomainError, NotFound, RateLimited
from yiban_core.privacy import access_log
from yiban_core.verification import selectors, services
from yiban_core.verification.models import VerificationRequest


class RequestForm(forms.Form):
    school = SchoolChoiceField(label=gettext_lazy("学校"), queryset=None,
                               empty_label=gettext_lazy("请选择学校"))
    member_number = forms.CharField(label=gettext_lazy("学号/工号"), max_length=32)
    note = forms.CharField(label=gettext_lazy("说明"), required=False, max_length=280,
                           widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=gettext_lazy("如院系、专业、班级，方便学校核对"))
    photo = forms.FileField(label=gettext_lazy("学生证照片"), required=False,
                            widget=forms.FileInput(attrs={"accept": "image/*"}),
                            help_text=gettext_lazy("JPEG、PNG、WebP 或 GIF，不超过 5 MB；"
                                                   "只有你和学校管理员能看到"))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools


@login_required
def my_request(request):
    """The student's request: its state, and the form while none is open."""
    user = request.user
    current = selectors.my_verification_request(actor=request.actor)
    form = RequestForm(request.POST or None, request.FILES or None,
                       schools=account_selectors.schools(actor=request.actor),
                       initial={"school": user.school})
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.request_verification(
                actor=request.actor, school=data["school"], member_number=data["member_number"],
                note=data["note"], photo=data["photo"] or None)
        except DomainError as error:
            show_error(request, error, form)
            refusal = error
        else:
            messages.success(request, _("认证申请已提交，学校管理员审核后会通知你"))
            return redirect("verification_request")
    return retry_later(render(request, "frontend/verification/my_request.html", {
        "current": current, "form": form,
        "open": current is not None and current.status == VerificationRequest.Status.PENDING,
    }, status=400 if form.errors else 200), refusal)


@require_POST
@login_required
@domain_errors
def cancel_request(request, pk):
    found = selectors.get_request(actor=request.actor, pk=pk)
    try:
        services.cancel_verification_request(actor=request.actor, request=found)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("认证申请已撤回"))
    return redirect("verification_request")


@two_factor_required
@login_required
@domain_errors
def queue(request, school_id):
    """The school's open requests, oldest first, each with approve and reject."""
    school = admin_school(request, school_id)
    requests = list(selectors.verification_queue(actor=request.actor, school=school))
    recent = list(selectors.verification_queue(
        actor=request.actor, school=school,
        status=VerificationRequest.Status.REJECTED).order_by("-decided_at")[:10])
    access_log.record_read([item.user_id for item in requests + recent], actor=request.actor,
                           door="verification_queue")
    return render(request, "frontend/verification/queue.html", {
        "school": school, "requests": requests, "recent": recent})


@require_POST
@two_factor_required
@login_required
@domain_errors
def decide(request, school_id, pk):
    school = admin_school(request, school_id)
    found = selectors.get_request(actor=request.actor, pk=pk)
    if found.school_id != school.pk:
        raise NotFound(_("没有这条认证申请"))
    approve = request.POST.get("action") == "approve"
    try:
        services.decide_verification_request(actor=request.actor, request=found,
                                              approve=approve,
                                              reason=request.POST.get("reason", "")[:1000])
    except RateLimited as error:
        return error_page(request, error)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已通过 %(name)s 的认证") % {"name": found.user}
                         if approve else _("已拒绝 %(name)s 的认证申请") % {"name": found.user})
    return redirect(reverse("school_verification_queue", args=[school.pk]))

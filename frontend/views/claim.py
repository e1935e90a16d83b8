"""Claiming an account the school's roster made (/claim/), and the school page where its
administrators issue the activation codes (/schools/<id>/activation-codes/): a CSV or a
printable sheet, one slip per student. The codes exist in plain text only in that answer.
"""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from frontend.csv_export import csv_response, csv_text
from frontend.errors import domain_errors, retry_later, show_error
from frontend.forms import SchoolChoiceField
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.accounts.two_factor import two_factor_required
from yiban_core.errors import DomainError, NotFound
from yiban_core.ratelimit import client_ip
from yiban_core.verification import selectors, services


def admin_school(request, school_id):
    """The school, when the signed-in user administers it; else 404, as the other school
    pages answer (a refusal must not say the page exists)."""
    school = account_selectors.schools(actor=request.actor).filter(pk=school_id).first()
    if school is None or not is_school_admin(request.user, school):
        raise NotFound(_("没有这个页面"))
    return school


class ClaimForm(forms.Form):
    school = SchoolChoiceField(label=gettext_lazy("学校"), queryset=None,
                               empty_label=gettext_lazy("请选择学校"))
    member_number = forms.CharField(label=gettext_lazy("学号/工号"), max_length=32)
    code = forms.CharField(label=gettext_lazy("激活码"), max_length=40,
                           help_text=gettext_lazy("学校发给你的激活码，如 ABCD-EFGH-JKMN"),
                           widget=forms.TextInput(attrs={"autocomplete": "off",
                                                         "autocapitalize": "characters"}))
    username = forms.CharField(
        label=gettext_lazy("用户名"), max_length=30,
        help_text=gettext_lazy("3 到 30 个字母、数字或 _ . -，以后用它登录"),
        widget=forms.TextInput(attrs={"autocomplete": "username"}))
    password1 = forms.CharField(label=gettext_lazy("密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    password2 = forms.CharField(label=gettext_lazy("确认密码"), strip=False,
                                widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def __init__(self, *args, schools, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def clean(self):
        data = super().clean()
        if data.get("password1") and data.get("password2") and (
                data["password1"] != data["password2"]):
            self.add_error("password2", _("两次输入的密码不一致"))
        return data


def claim(request):
    """A student whose school imported them claims the account with the code on their slip:
    a username and password of their own, verified, signed in."""
    if request.user.is_authenticated:
        return redirect("home")
    form = ClaimForm(request.POST or None, schools=account_selectors.schools(actor=request.actor))
    refusal = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            user = services.claim_account(
                school=data["school"], member_number=data["member_number"], code=data["code"],
                username=data["username"], password=data["password1"],
                client_ip=client_ip(request))
        except DomainError as error:
            show_error(request, error, form, field_map={"password": "password1"})
            refusal = error
        else:
            request.sign_in_how = "claim"  # for the person's access log
            login(request, user, backend=settings.SIGN_IN_BACKEND)
            messages.success(request, _("账号已激活，你已通过%(school)s的认证。欢迎！")
                             % {"school": user.school.name})
            return redirect("home")
    status = 400 if request.method == "POST" and form.errors else 200
    return retry_later(render(request, "frontend/verification/claim.html", {"form": form},
                              status=status), refusal)


class IssueForm(forms.Form):
    only_unclaimed = forms.BooleanField(
        label=gettext_lazy("只发给还没有有效激活码的成员"), required=False, initial=True,
        help_text=gettext_lazy("不勾选则为所有未激活的成员重新发放，之前的激活码随即作废"))
    member_numbers = forms.CharField(
        label=gettext_lazy("只发给这些学号"), required=False, max_length=20000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("每行一个或用逗号、空格分隔；不填则按上面的选项发给全部"))
    valid_days = forms.IntegerField(label=gettext_lazy("有效天数"), min_value=1,
                                    max_value=365, initial=services.ACTIVATION_CODE_DAYS)

    def numbers(self) -> list[str] | None:
        text = self.cleaned_data.get("member_numbers") or ""
        numbers = text.replace(",", " ").replace("，", " ").replace("、", " ").split()
        return numbers or None


def codes_csv(issued: list[services.IssuedCode]) -> tuple[list[str], list[tuple]]:
    """学号, 姓名, 激活码: what the CSV download and `manage.py issue_activation_codes` write."""
    return ([_("学号"), _("姓名"), _("激活码")],
            [(code.member_number, code.name, code.code) for code in issued])


def codes_csv_text(issued: list[services.IssuedCode]) -> str:
    return csv_text(*codes_csv(issued))


@two_factor_required
@login_required
@domain_errors
def activation_codes(request, school_id):
    """Issue codes (POST, as a CSV or a printable sheet) and see how many members are yet to
    claim their accounts."""
    school = admin_school(request, school_id)
    form = IssueForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.issue_activation_codes(
                actor=request.actor, school=school,
                only_unclaimed=form.cleaned_data["only_unclaimed"],
                member_numbers=form.numbers(), valid_days=form.cleaned_data["valid_days"])
        except DomainError as error:
            show_error(request, error, form)
        else:
            if not issued:
                messages.info(request, _("没有需要发放激活码的成员"))
                return redirect("school_activation_codes", school_id=school.pk)
            if request.POST.get("format") == "sheet":
                sheet = render(request, "frontend/verification/activation_sheet.html",
                               {"school": school, "issued": issued})
                sheet["Cache-Control"] = "private, no-store"  # working codes: kept nowhere
                return sheet
            stamp = timezone.localdate().strftime("%Y%m%d")
            return csv_response(f"{school.name}-{_('激活码')}-{stamp}.csv", *codes_csv(issued))
    return render(request, "frontend/verification/activation_codes.html", {
        "school": school, "form": form,
        "summary": selectors.activation_summary(actor=request.actor, school=school),
    }, status=400 if form.errors else 200)

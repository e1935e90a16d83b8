"""注销账号: /settings/privacy/close/ explains what happens, asks what to do with the
person's content, their password and a confirmation; while the grace period runs it shows
the date and 撤销注销. The service is yiban_core/privacy/closure.py."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, retry_later, show_error
from yiban_core.errors import DomainError
from yiban_core.privacy import closure as closures
from yiban_core.privacy.models import AccountClosure


class ClosureForm(forms.Form):
    content = forms.ChoiceField(label=gettext_lazy("我发布的动态、评论、资源、评价和私信"),
                                choices=AccountClosure.Content.choices,
                                widget=forms.RadioSelect)
    password = forms.CharField(label=gettext_lazy("密码"), strip=False, required=False,
                               widget=forms.PasswordInput(
                                   attrs={"autocomplete": "current-password"}))
    confirm = forms.BooleanField(label=gettext_lazy("我已了解：冷静期结束后账号和数据无法恢复"))

    def __init__(self, *args, has_password: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not has_password:
            del self.fields["password"]  # proven by a fresh sign-in instead
        else:
            self.fields["password"].required = True


@login_required
def close_account(request):
    user = request.user
    pending = closures.pending_closure(user)
    has_password = user.has_usable_password()
    form = ClosureForm(request.POST or None, has_password=has_password)
    refusal = None
    if request.method == "POST" and pending is None and form.is_valid():
        try:
            closures.request_closure(actor=request.actor,
                                     password=form.cleaned_data.get("password", ""),
                                     content=form.cleaned_data["content"],
                                     session_key=request.session.session_key)
        except DomainError as error:
            show_error(request, error, form)
            refusal = error
        else:
            messages.success(request, _("已申请注销。冷静期内登录即可撤销。"))
            return redirect("privacy_close")
    return retry_later(render(request, "frontend/privacy/close.html", {
        "form": form, "pending": pending, "has_password": has_password,
        "refusal": None if pending else closures.refusal(user),
        "grace_days": closures.GRACE_PERIOD.days,
        "fresh_minutes": closures.FRESH_SIGN_IN.seconds // 60,
    }), refusal)


@login_required
@require_POST
@domain_errors
def undo_close(request):
    closures.cancel_closure(actor=request.actor)
    messages.success(request, _("注销已撤销。"))
    return redirect("privacy_close")

"""Two-factor pages: enrol an authenticator (QR code and key), enter a code, turn it off.

The rules and the writes are yiban_core/accounts/two_factor.py; here the forms. The
QR code is drawn as inline SVG (no image request, nothing the page's CSP must allow).
"""

from __future__ import annotations

import qrcode
import qrcode.image.svg
from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from frontend.errors import show_error
from yiban_core.accounts import two_factor
from yiban_core.errors import DomainError, NotFound
from yiban_core.privacy import access_log


class CodeForm(forms.Form):
    token = forms.CharField(
        label=gettext_lazy("验证码"), max_length=16,
        help_text=gettext_lazy("验证器上的 6 位数字，或一个备用码"),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autofocus": True,
                                      "inputmode": "text", "spellcheck": "false"}),
    )


def _next_url(request) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
            candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return candidate
    return ""


def _qr_svg(url: str) -> str:
    image = qrcode.make(url, image_factory=qrcode.image.svg.SvgPathImage, border=2)
    return mark_safe(image.to_string(encoding="unicode"))  # drawn here from our own URL


def _verified(request, device) -> None:
    """The session has passed the second factor: a new session key for the new rights."""
    request.session.cycle_key()
    otp_login(request, device)
    access_log.record_sign_in(request.user, request, how="two_factor")


@login_required
def settings_page(request):
    """Enrol (QR code, key, confirm with a code), or see the state and turn it off."""
    user = request.user
    device = two_factor.enrolled(user)
    if device is None and not two_factor.needs_two_factor(user):
        return render(request, "frontend/error.html", {
            "error": NotFound(_("两步验证只面向站点管理员和学校管理员")),
            "title": _("找不到页面")}, status=404)
    next_url = _next_url(request)
    if device is not None:
        return render(request, "frontend/accounts/two_factor.html", {
            "device": device, "form": CodeForm(), "next": next_url,
            "backup_codes_left": two_factor.backup_codes_left(user),
            "verified": two_factor.verified_device(request) is not None,
        })
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, codes = two_factor.confirm_enrolment(actor=request.actor,
                                                         token=form.cleaned_data["token"])
        except DomainError as error:
            show_error(request, error, form)
        else:
            _verified(request, device)
            # The backup codes are shown this once, on this response, never stored in the page.
            return render(request, "frontend/accounts/two_factor_codes.html",
                          {"codes": codes, "next": next_url})
    pending = two_factor.start_enrolment(actor=request.actor)
    return render(request, "frontend/accounts/two_factor.html", {
        "pending": pending, "form": form, "next": next_url,
        "qr_svg": _qr_svg(pending.config_url), "secret": two_factor.secret_of(pending),
    }, status=400 if form.errors else 200)


@login_required
def verify_page(request):
    """Enter a code for this session; then back to where the person was going."""
    next_url = _next_url(request)
    if two_factor.enrolled(request.user) is None:
        return redirect("two_factor")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device = two_factor.verify(actor=request.actor, token=form.cleaned_data["token"])
        except DomainError as error:
            show_error(request, error, form)
        else:
            _verified(request, device)
            messages.success(request, _("两步验证已通过"))
            return redirect(next_url or "home")
    return render(request, "frontend/accounts/two_factor_verify.html",
                  {"form": form, "next": next_url}, status=400 if form.errors else 200)


@require_POST
@login_required
def remove(request):
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            two_factor.remove(actor=request.actor, token=form.cleaned_data["token"])
        except DomainError as error:
            show_error(request, error)
        else:
            messages.success(request, _("两步验证已关闭"))
    else:
        messages.error(request, _("请输入验证码"))
    return redirect("two_factor")

"""School sign-in pages: /sso/<school id>/login/ sends the browser to the school's CAS
server or OIDC provider, /sso/<school id>/callback/ takes the answer back (and, POSTed by
a CAS server, its single-logout request), /schools/<id>/sso/ is where the school's
administrators set it up.

What the login started (school, OIDC state, nonce and PKCE verifier, where to go next)
waits in the session and is taken once: an answer for another school, one nobody here
asked for, or a replayed one is refused, changes nothing and is logged.
"""

from __future__ import annotations

import secrets
import time

from django import forms
from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from frontend.errors import domain_errors, show_error
from yiban_core import redirects
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.two_factor import two_factor_required
from yiban_core.errors import DomainError, NotFound
from yiban_core.ratelimit import client_ip
from yiban_core.sso import protocols, selectors, services
from yiban_core.sso.models import SchoolIdentityProvider
from yiban_core.sso.rules import may_configure_sso
from yiban_core.sso.security import SignInRefused, log_attempt

PENDING = "sso_pending"
PENDING_MAX_AGE_S = 600


def _provider(school_id: int) -> SchoolIdentityProvider:
    provider = selectors.enabled_provider(school_id)
    if provider is None:
        raise NotFound(_("该学校没有启用统一身份认证"))
    return provider


def _callback_url(request, school_id: int) -> str:
    return request.build_absolute_uri(reverse("sso_callback", args=[school_id]))


def _refused(request, school_id, kind, error: SignInRefused, **details):
    log_attempt(school_id=school_id, kind=kind, outcome="refused", reason=error.reason,
                ip=client_ip(request), **details)
    return render(request, "frontend/error.html",
                  {"error": error, "title": _("统一身份认证登录失败")}, status=403)


@never_cache
@domain_errors
def sso_login(request, school_id: int):
    provider = _provider(school_id)
    callback = _callback_url(request, school_id)
    try:
        if provider.kind == SchoolIdentityProvider.Kind.CAS:
            url, pending = protocols.cas_login_url(provider, callback), {}
        else:
            url, pending = protocols.oidc_start(provider, callback)
    except SignInRefused as error:
        return _refused(request, school_id, provider.kind, error)
    request.session[PENDING] = {"school": provider.school_id, "at": time.time(),
                                "next": redirects.next_url(request, ""), **pending}
    return HttpResponseRedirect(url)


def _take_pending(request, provider: SchoolIdentityProvider) -> dict:
    pending = request.session.pop(PENDING, None)
    if not isinstance(pending, dict):
        raise SignInRefused("not_started", _("这次登录不是从本站发起的或已过期，请重新登录"))
    if pending.get("school") != provider.school_id:
        raise SignInRefused("wrong_school", _("这次登录是为另一所学校发起的，请重新登录"))
    if time.time() - pending.get("at", 0) > PENDING_MAX_AGE_S:
        raise SignInRefused("expired", _("登录已过期，请重新登录"))
    return pending


@csrf_exempt  # a CAS server POSTs its single-logout request here; GETs change no state
@never_cache
@domain_errors
def sso_callback(request, school_id: int):
    provider = _provider(school_id)
    if request.method == "POST":
        return _single_logout(request, provider)
    claimed, details = None, {}
    try:
        pending = _take_pending(request, provider)
        callback = _callback_url(request, school_id)
        if provider.kind == SchoolIdentityProvider.Kind.CAS:
            claimed = services.claim_ticket(provider=provider,
                                            ticket=request.GET.get("ticket", ""))
            assertion = protocols.cas_assertion(provider, claimed.ticket, callback)
        else:
            assertion = _oidc_assertion(request, provider, pending, callback)
        details = {"subject": assertion.subject, "member_number": assertion.member_number}
        user = services.account_for(provider=provider, assertion=assertion)
    except SignInRefused as error:
        return _refused(request, school_id, provider.kind, error, **details)
    request.sign_in_how = f"sso.{provider.kind}"  # for the person's access log
    login(request, user, backend=settings.SIGN_IN_BACKEND)
    if claimed is not None:
        services.bind_ticket(claimed=claimed, user=user, session_key=request.session.session_key)
    log_attempt(school_id=school_id, kind=provider.kind, outcome="success", user_id=user.pk,
                ip=client_ip(request), **details)
    return redirect(redirects.safe_redirect(request, pending.get("next"), reverse("home")))


def _oidc_assertion(request, provider, pending: dict, callback: str):
    state = request.GET.get("state", "")
    if not secrets.compare_digest(state.encode(), pending.get("state", "").encode()):
        raise SignInRefused("state_mismatch", _("登录状态不匹配，请重新登录"))
    if request.GET.get("error"):
        raise SignInRefused("provider_error", _("学校统一身份认证没有完成登录，请重试"))
    issuer = request.GET.get("iss")  # RFC 9207: an answer from another provider is refused
    if issuer is not None and issuer != protocols.oidc_metadata(provider)["issuer"]:
        raise SignInRefused("wrong_issuer", _("应答来自另一个身份认证服务，请重新登录"))
    return protocols.oidc_assertion(provider, callback, request.GET.get("code", ""), pending)


def _single_logout(request, provider: SchoolIdentityProvider):
    if provider.kind != SchoolIdentityProvider.Kind.CAS:
        return HttpResponse(status=405)
    ticket = protocols.cas_logout_ticket(request.POST.get("logoutRequest", ""))
    ended = services.end_ticket_sessions(provider=provider, ticket=ticket)
    log_attempt(school_id=provider.school_id, kind=provider.kind, outcome="logout",
                reason="single_logout" if ended else "single_logout_no_session",
                ip=client_ip(request))
    return HttpResponse("ok", content_type="text/plain")


# --- a school's settings page ---------------------------------------------------------------

class SsoForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("协议"), widget=forms.RadioSelect,
                             choices=SchoolIdentityProvider.Kind.choices)
    enabled = forms.BooleanField(label=gettext_lazy("在登录页显示并启用"), required=False)
    display_name = forms.CharField(label=gettext_lazy("登录按钮文字"), max_length=60,
                                   required=False,
                                   help_text=gettext_lazy("留空则为「<学校> 统一身份认证登录」"))
    cas_server_url = forms.CharField(label=gettext_lazy("CAS 服务器地址"), max_length=300,
                                     required=False,
                                     help_text=gettext_lazy("例如 https://cas.example.edu.cn/cas/"))
    cas_version = forms.ChoiceField(label=gettext_lazy("CAS 协议版本"),
                                    choices=SchoolIdentityProvider.CasVersion.choices,
                                    initial="3")
    oidc_discovery_url = forms.CharField(
        label=gettext_lazy("OIDC 发现文档地址"), max_length=300, required=False,
        help_text=gettext_lazy("例如 https://idp.example.edu.cn/.well-known/openid-configuration"))
    oidc_client_id = forms.CharField(label=gettext_lazy("客户端 ID"), max_length=200,
                                     required=False)
    oidc_client_secret = forms.CharField(
        label=gettext_lazy("客户端密钥"), max_length=500, required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}))
    oidc_scopes = forms.CharField(label=gettext_lazy("权限范围"), max_length=300,
                                  initial="openid profile")
    member_number_attribute = forms.CharField(
        label=gettext_lazy("学号/工号所在的属性或声明"), max_length=100, required=False,
        help_text=gettext_lazy(
            "CAS：属性名，留空则用 CAS 用户名；OIDC：ID 令牌中的声明名，留空则用 sub"))


def _admin_school(request, school_id):
    school = account_selectors.schools(actor=request.actor).filter(pk=school_id).first()
    if school is None or not may_configure_sso(request.user, school):
        raise NotFound(_("没有这个页面"))
    return school


@two_factor_required
@login_required
@domain_errors
def school_sso(request, school_id: int):
    school = _admin_school(request, school_id)
    provider = selectors.provider_of(school.pk)
    initial = {"enabled": True, "cas_version": "3", "oidc_scopes": "openid profile"}
    if provider is not None:
        initial = {name: getattr(provider, name) for name in SsoForm.base_fields
                   if name != "oidc_client_secret"}
    form = SsoForm(request.POST or None, initial=initial)
    if provider is not None and provider.oidc_client_secret:
        form.fields["oidc_client_secret"].help_text = _(
            "已保存（%(masked)s），留空则保留") % {"masked": provider.masked_secret}
    saved = False
    if request.method == "POST" and form.is_valid():
        try:
            provider = services.configure_sso(actor=request.actor, school=school,
                                              **form.cleaned_data)
        except DomainError as error:
            show_error(request, error, form)
        else:
            saved = True
    return render(request, "frontend/sso/school_sso.html", {
        "school": school, "form": form, "provider": provider, "saved": saved,
        "callback_url": _callback_url(request, school.pk),
    }, status=400 if form.errors else 200)

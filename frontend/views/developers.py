"""The open platform in the web UI: the developer console, the apps a person has
authorized, and the school apps a school's administrators install.

Every read goes through openapi_plugins.selectors, every change through
openapi_plugins.services. A client secret is never stored in plaintext: it is
rendered once, straight into the response of the POST that made it (never in a
URL, never in the session), with caching forbidden.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from oauth2_provider.models import Application

from frontend.errors import domain_errors, perform, show_error
from frontend.forms import SchoolChoiceField
from openapi_plugins import selectors, services
from openapi_plugins.models import AppProfile
from openapi_plugins.scopes import describe, scopes_for_kind
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.accounts.two_factor import two_factor_required
from yiban_core.errors import DomainError, NotFound
from yiban_core.groups import selectors as group_selectors

CLIENT_CONFIDENTIAL = "confidential"
CLIENT_PUBLIC = "public"


class ScopeCheckboxes(forms.MultipleChoiceField):
    widget = forms.CheckboxSelectMultiple

    def __init__(self, kind: str, **kwargs):
        # A callable: the plugins' scopes are read when a form is built, not at import.
        super().__init__(choices=lambda: list(scopes_for_kind(kind).items()), required=False,
                         **kwargs)


class AppRegisterForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("应用名称"), max_length=100,
                           widget=forms.TextInput(attrs={"autofocus": True}))
    description = forms.CharField(
        label=gettext_lazy("简介"), required=False, max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("用户在授权页上会看到，请说明应用做什么"))
    homepage = forms.URLField(label=gettext_lazy("主页"), required=False, max_length=200,
                              assume_scheme="https")
    logo = forms.FileField(
        label=gettext_lazy("图标"), required=False,
        help_text=gettext_lazy("JPEG、PNG、WebP 或 GIF，不超过 512 KB，建议正方形"),
        widget=forms.FileInput(attrs={"accept": "image/*"}))
    kind = forms.ChoiceField(label=gettext_lazy("应用类型"), choices=AppProfile.Kind.choices,
                             initial=AppProfile.Kind.USER, widget=forms.RadioSelect)
    # A user app: a person grants it scopes on their own data.
    redirect_uris = forms.CharField(
        label=gettext_lazy("回调地址"), required=False,
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false",
                                     "placeholder": "https://app.example.com/oauth/callback"}),
        help_text=gettext_lazy("每行一个，须与授权请求中的 redirect_uri 完全一致；须为 https，"
                               "本机回环地址（127.0.0.1、localhost）可用 http；不能含通配符或 #"))
    client_type = forms.ChoiceField(
        label=gettext_lazy("客户端类型"), initial=CLIENT_CONFIDENTIAL, widget=forms.RadioSelect,
        choices=[(CLIENT_CONFIDENTIAL, gettext_lazy("服务器端应用：能安全保管客户端密钥")),
                 (CLIENT_PUBLIC, gettext_lazy("原生应用或单页应用：不能保管密钥，只用 PKCE"))])
    user_scopes = ScopeCheckboxes("user", label=gettext_lazy("申请的权限范围"))
    # A school app: acts for one school once its administrator installs it.
    school = SchoolChoiceField(label=gettext_lazy("服务的学校"), queryset=None, required=False,
                               empty_label=gettext_lazy("请选择学校"),
                               help_text=gettext_lazy("该校管理员安装后，应用才能以学校的名义工作"))
    school_scopes = ScopeCheckboxes("school", label=gettext_lazy("申请的权限范围"))

    def __init__(self, *args, schools=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["school"].queryset = schools

    def scopes_field(self) -> str:
        kind = self.cleaned_data.get("kind")
        return "school_scopes" if kind == AppProfile.Kind.SCHOOL else "user_scopes"


def _scope_rows(names) -> list[dict]:
    return [{"name": name, "words": words} for name, words in describe(names)]


def _secret_page(request, app: AppProfile, secret: str, *, new: bool):
    """The one rendering of a client secret: in this response, never cached."""
    response = render(request, "frontend/developers/app_secret.html", {
        "app": app, "secret": secret, "new": new,
        "is_public": app.application.client_type == Application.CLIENT_PUBLIC,
    })
    add_never_cache_headers(response)
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def apps(request):
    my = list(selectors.my_apps(actor=request.actor))
    return render(request, "frontend/developers/apps.html", {"apps": my})


@login_required
def app_new(request):
    schools = account_selectors.schools(actor=request.actor)
    initial = {"school": request.user.school}
    form = AppRegisterForm(request.POST or None, request.FILES or None, initial=initial,
                           schools=schools)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        kind = data["kind"]
        scopes_field = form.scopes_field()
        try:
            app, secret = services.register_app(
                actor=request.actor, name=data["name"], kind=kind,
                scopes=data[scopes_field], redirect_uris=data["redirect_uris"],
                description=data["description"], homepage=data["homepage"],
                logo=data["logo"] or None, school=data["school"],
                confidential=data["client_type"] != CLIENT_PUBLIC,
            )
        except DomainError as error:
            show_error(request, error, form, field_map={"scopes": scopes_field})
        else:
            return _secret_page(request, app, secret, new=True)
    return render(request, "frontend/developers/app_new.html", {"form": form})


@login_required
@domain_errors
def app_detail(request, pk):
    app = selectors.my_app(actor=request.actor, pk=pk)
    install = getattr(app, "install", None) if app.is_school_app else None
    return render(request, "frontend/developers/app_detail.html", {
        "app": app, "application": app.application, "install": install,
        "scopes": _scope_rows(app.scopes),
        "approved": set(install.scopes) if install else set(),
        "redirect_uris": app.application.redirect_uris.split(),
        "is_public": app.application.client_type == Application.CLIENT_PUBLIC,
    })


@require_POST
@login_required
@domain_errors
def app_rotate_secret(request, pk):
    app = selectors.my_app(actor=request.actor, pk=pk)
    secret = services.rotate_secret(actor=request.actor, app=app)
    return _secret_page(request, app, secret, new=False)


@require_POST
@login_required
@domain_errors
def app_delete(request, pk):
    app = selectors.my_app(actor=request.actor, pk=pk)
    if request.POST.get("confirm") != "yes":
        messages.error(request, _("请先勾选确认，再删除应用"))
        return redirect("developer_app", pk=app.pk)
    name = app.application.name
    services.delete_app(actor=request.actor, app=app)
    messages.success(request, _("已删除应用「%(name)s」，它的令牌已全部失效") % {"name": name})
    return redirect("developer_apps")


# ---- a person's authorized apps ---------------------------------------------------------


@login_required
def authorized_apps(request):
    rows = []
    for row in selectors.authorized_apps(actor=request.actor):
        application = row["application"]
        rows.append({
            "application": application, "profile": getattr(application, "profile", None),
            "scopes": _scope_rows(row["scopes"]), "since": row["since"],
        })
    return render(request, "frontend/accounts/authorized_apps.html", {"rows": rows})


@require_POST
@login_required
def revoke_app(request, application_id):
    return perform(
        request,
        lambda: services.revoke_authorization(actor=request.actor, application_id=application_id),
        success=_("已撤销授权，该应用的令牌已全部失效"), next_url=reverse("authorized_apps"),
    )


# ---- a school's apps, for its administrators --------------------------------------------


def _admin_school(request, school_id):
    """The school, if the person administers it; anyone else finds nothing here."""
    school = account_selectors.schools(actor=request.actor).filter(pk=school_id).first()
    if school is None or not is_school_admin(request.user, school):
        raise NotFound(_("没有这个页面"))
    return school


def _school_app(request, school, app_id) -> AppProfile:
    app = selectors.installable_apps(actor=request.actor, school=school).filter(pk=app_id).first()
    if app is None:
        raise NotFound(_("没有这个应用"))
    return app


# What each read scope opens to a school app, in the school: the groups it reads are
# those of groups.rules.school_app_reads_q (listed on the page by name where private).
SCHOOL_APP_READS = {
    "groups:read": gettext_lazy("本校群组的资料、成员和群内内容（见“学校应用可读取的群组”）"),
    "feed:read": gettext_lazy("所有公开动态、本校可见的动态，以及可读取的群组里的动态"),
    "resources:read": gettext_lazy("所有公开资源、本校可见的资源，以及可读取的群组里的资源"),
}


@two_factor_required
@login_required
@domain_errors
def school_apps(request, school_id):
    school = _admin_school(request, school_id)
    rows = []
    for app in selectors.installable_apps(actor=request.actor, school=school):
        install = getattr(app, "install", None)
        approved = set(install.scopes) if install else set(app.scopes)
        rows.append({
            "app": app, "install": install,
            "scopes": [{**row, "checked": row["name"] in approved}
                       for row in _scope_rows(app.scopes)],
            "reads": [words for scope, words in SCHOOL_APP_READS.items() if scope in approved],
        })
    return render(request, "frontend/developers/school_apps.html", {
        "school": school, "rows": rows,
        "open_private_groups": list(
            group_selectors.private_groups_open_to_school_apps(school=school)),
    })


@two_factor_required
@require_POST
@login_required
@domain_errors
def school_app_install(request, school_id, app_id):
    school = _admin_school(request, school_id)
    app = _school_app(request, school, app_id)
    was_installed = getattr(app, "install", None) is not None
    success = (_("已更新「%(name)s」的权限范围，它之前的令牌已失效") if was_installed
               else _("已安装「%(name)s」")) % {"name": app.application.name}
    return perform(
        request,
        lambda: services.install_app(actor=request.actor, app=app,
                                     scopes=request.POST.getlist("scopes")),
        success=success, next_url=reverse("school_apps", args=[school.pk]),
    )


@two_factor_required
@require_POST
@login_required
@domain_errors
def school_app_uninstall(request, school_id, app_id):
    school = _admin_school(request, school_id)
    app = _school_app(request, school, app_id)
    return perform(
        request, lambda: services.uninstall_app(actor=request.actor, app=app),
        success=_("已卸载「%(name)s」，它的令牌已立即失效") % {"name": app.application.name},
        next_url=reverse("school_apps", args=[school.pk]),
    )

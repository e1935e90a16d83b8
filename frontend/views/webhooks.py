"""Webhooks in the developer console: an app's subscriptions and recent deliveries.

Only the app's owner gets the page (anyone else: 404, as for the app itself).
Reads go through openapi_plugins.webhooks.selectors, changes through its
services. A signing secret is rendered once, straight into the response of the
POST that made it (after a new subscription or a rotation), never cached.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, show_error
from openapi_plugins import selectors as app_selectors
from openapi_plugins.models import AppProfile
from openapi_plugins.webhooks import selectors, services
from yiban_core.errors import DomainError, NotFound


class SubscriptionForm(forms.Form):
    url = forms.CharField(label=gettext_lazy("接收地址"), max_length=500,
                          widget=forms.URLInput(attrs={"placeholder": "https://"}),
                          help_text=gettext_lazy("须为 https；我们以 POST 发送 JSON，并带签名头"))
    events = forms.MultipleChoiceField(label=gettext_lazy("事件"),
                                       widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, allowed_events=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["events"].choices = [(event.name, f"{event.name} · {event.description}")
                                         for event in allowed_events]


def _page(request, app: AppProfile, *, form: SubscriptionForm | None = None,
          secret: str = "", secret_for=None, status: int = 200):
    events = selectors.receivable_events(app)
    allowed = [event for event, ok in events if ok]
    words = {event.name: event.description for event, _ok in events}
    rows = [{"subscription": s,
             "events": [{"name": name, "words": words.get(name, "")} for name in s.events]}
            for s in selectors.subscriptions(actor=request.actor, app=app)]
    response = render(request, "frontend/developers/webhooks.html", {
        "app": app, "application": app.application, "rows": rows,
        "form": form or SubscriptionForm(allowed_events=allowed),
        "can_subscribe": app.is_school_app and bool(allowed),
        "unavailable": [event for event, ok in events if not ok],
        "deliveries": selectors.recent_deliveries(actor=request.actor, app=app),
        "secret": secret, "secret_for": secret_for,
    }, status=status)
    if secret:
        add_never_cache_headers(response)
        response["Referrer-Policy"] = "no-referrer"
    return response


def _app(request, app_id) -> AppProfile:
    return app_selectors.my_app(actor=request.actor, pk=app_id)  # NotFound for others


@login_required
@domain_errors
def webhooks(request, app_id):
    app = _app(request, app_id)
    if request.method != "POST":
        return _page(request, app)
    allowed = [event for event, ok in selectors.receivable_events(app) if ok]
    form = SubscriptionForm(request.POST, allowed_events=allowed)
    if form.is_valid():
        try:
            subscription, secret = services.subscribe(
                actor=request.actor, app=app, url=form.cleaned_data["url"],
                events=form.cleaned_data["events"])
        except DomainError as error:
            show_error(request, error, form, field_map={"app": None})
        else:
            messages.success(request, _("订阅已添加"))
            return _page(request, app, secret=secret, secret_for=subscription)
    return _page(request, app, form=form, status=400)


ACTIONS = {
    "disable": (services.disable_subscription, gettext_lazy("订阅已停用")),
    "enable": (services.enable_subscription, gettext_lazy("订阅已启用")),
    "delete": (services.delete_subscription, gettext_lazy("订阅已删除")),
}


@require_POST
@login_required
@domain_errors
def subscription_action(request, app_id, subscription_id, action):
    app = _app(request, app_id)
    subscription = selectors.get_subscription(actor=request.actor, app=app, pk=subscription_id)
    if action == "rotate":
        secret = services.rotate_secret(actor=request.actor, subscription=subscription)
        messages.success(request, _("已生成新的签名密钥，旧密钥立即失效"))
        return _page(request, app, secret=secret, secret_for=subscription)
    if action not in ACTIONS:
        raise NotFound(_("没有这个操作"))
    service, success = ACTIONS[action]
    try:
        service(actor=request.actor, subscription=subscription)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, success)
    return redirect("developer_app_webhooks", app_id=app.pk)


@require_POST
@login_required
@domain_errors
def redeliver(request, app_id, delivery_id):
    app = _app(request, app_id)
    delivery = selectors.get_delivery(actor=request.actor, app=app, pk=delivery_id)
    try:
        services.redeliver(actor=request.actor, delivery=delivery)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已重新投递，稍后刷新查看结果"))
    return redirect("developer_app_webhooks", app_id=app.pk)

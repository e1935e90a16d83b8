"""The developer documentation page (/developers/docs), public.

Everything it states is read from where the code reads it: scopes from
openapi_plugins.scopes, token lifetimes from django-oauth-toolkit's settings,
query limits and rate budgets from yiban_core.graphql.limits / rate_limits
(settings GRAPHQL_*), webhook events and retries from openapi_plugins.webhooks.
So the page cannot drift from what the platform does.
"""

from __future__ import annotations

from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from oauth2_provider.settings import oauth2_settings

from openapi_plugins.scopes import all_scopes, scopes_for_kind
from yiban_core.graphql.connections import DEFAULT_PAGE_SIZE, max_page_size
from yiban_core.graphql.limits import max_aliases, max_cost, max_depth
from yiban_core.graphql.rate_limits import rate_limits


def duration(seconds: int) -> str:
    """3600 -> "1 小时": the largest unit that divides it."""
    for size, words in ((86400, _("%(n)d 天")), (3600, _("%(n)d 小时")), (60, _("%(n)d 分钟"))):
        if seconds >= size and seconds % size == 0:
            return words % {"n": seconds // size}
    return _("%(n)d 秒") % {"n": seconds}


def scope_rows() -> list[dict]:
    user, school = scopes_for_kind("user"), scopes_for_kind("school")
    return [{"name": name, "words": words, "user": name in user, "school": name in school}
            for name, words in all_scopes().items()]


def oauth_endpoints() -> list[tuple[str, str, str]]:
    return [
        ("GET", reverse("oauth2_provider:authorize"),
         _("授权页：用户登录并同意权限范围，返回授权码（需 PKCE）")),
        ("POST", reverse("oauth2_provider:token"),
         _("换取令牌：authorization_code、refresh_token、client_credentials（学校应用）")),
        ("POST", reverse("oauth2_provider:revoke-token"), _("撤销访问令牌或刷新令牌")),
        ("POST", reverse("oauth2_provider:introspect"),
         _("查询本应用令牌是否有效及其权限（凭客户端密钥；别的令牌答 active: false）")),
        ("GET", reverse("oauth2_provider:user-info"), _("OpenID Connect 用户信息（scope openid）")),
        ("GET", reverse("oauth2_provider:oidc-connect-discovery-info"),
         _("OpenID Connect 发现文档：各端点地址、签名密钥、支持的参数")),
    ]


def token_lifetimes() -> list[tuple[str, str]]:
    return [
        (_("授权码"), duration(oauth2_settings.AUTHORIZATION_CODE_EXPIRE_SECONDS)),
        (_("访问令牌"), duration(oauth2_settings.ACCESS_TOKEN_EXPIRE_SECONDS)),
        (_("ID 令牌"), duration(oauth2_settings.ID_TOKEN_EXPIRE_SECONDS)),
        (_("刷新令牌"), duration(oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS)),
    ]


def webhook_facts() -> dict:
    """Events and delivery rules, from the webhooks package."""
    from openapi_plugins.webhooks import services
    from openapi_plugins.webhooks.events import all_events

    delays = services.retry_delays_s()
    return {
        "events": sorted(all_events().values(), key=lambda event: event.name),
        "attempts": len(delays) + 1,
        "delays": [duration(delay) for delay in delays],
        "timeout": duration(int(services.timeout_s())),
        "disable_after": services.disable_after_failures(),
    }


def docs(request):
    limits = rate_limits()
    origin = request.build_absolute_uri("/").rstrip("/")
    return render(request, "frontend/developers/docs.html", {
        "active": "docs",
        "origin": origin,
        "scopes": scope_rows(),
        "endpoints": oauth_endpoints(),
        "pkce_required": oauth2_settings.PKCE_REQUIRED,
        "rotate_refresh": oauth2_settings.ROTATE_REFRESH_TOKEN,
        "lifetimes": token_lifetimes(),
        "limits": {
            "depth": max_depth(), "aliases": max_aliases(), "cost": max_cost(),
            "page_size": max_page_size(), "default_page_size": DEFAULT_PAGE_SIZE,
            "window": duration(int(limits["window_s"])),
            "token": limits["token"], "school_app": limits["school_app"],
            "user": limits["user"], "anonymous": limits["anonymous"],
        },
        "webhooks": webhook_facts(),
        "graphql_url": reverse("graphql"),
        "explorer_url": reverse("developer_explorer"),
    })

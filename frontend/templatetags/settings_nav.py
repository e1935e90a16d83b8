"""The settings pages' side navigation: one list, so every settings page shows the same
sections (two-factor only to those it is for: the two-factor page answers 404 to others)."""

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from yiban_core.accounts import two_factor

register = template.Library()


def sections(user) -> list[tuple[str, str]]:
    items = [
        ("settings", _("概览")),
        ("edit_profile", _("个人资料")),
        ("change_password", _("密码")),
        ("settings_privacy", _("隐私")),
        ("settings_school", _("我的学校")),
        ("settings_blocked", _("黑名单")),
        ("authorized_apps", _("已授权的应用")),
    ]
    if two_factor.needs_two_factor(user) or two_factor.enrolled(user) is not None:
        items.append(("two_factor", _("两步验证")))
    # No per-kind notification switches exist: the section is the notifications page.
    items.append(("notifications", _("通知")))
    return items


@register.inclusion_tag("frontend/accounts/_settings_nav.html", takes_context=True)
def settings_nav(context):
    request = context["request"]
    current = request.resolver_match.url_name if request.resolver_match else ""
    if current.startswith("two_factor"):  # the code and backup-code steps of the same section
        current = "two_factor"
    if current.startswith("privacy_"):  # the privacy pages under /settings/privacy/
        current = "settings_privacy"
    return {"items": [{"url": reverse(name), "label": label, "current": name == current}
                      for name, label in sections(request.user)]}

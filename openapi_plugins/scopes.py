"""The scopes an app can ask for, in plain words for the consent page.

User apps ask a person for user scopes; school apps are granted school scopes
(and the read scopes they need) by the school's administrator when installed.
Plugins add their own scopes through the registry.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from oauth2_provider.scopes import BaseScopes

from openapi_plugins.registry import installed_plugins

USER_SCOPES = {
    "openid": _("确认你在易班的身份"),
    "profile": _("读取你的公开资料：用户名、昵称、头像、学校"),
    "profile:verified": _("读取你的实名和学号/工号（仅限已认证用户）"),
    "feed:read": _("读取你能看到的动态和你的首页时间线"),
    "feed:write": _("以你的名义发布动态、评论、点赞和转发"),
    "groups:read": _("读取你所在的班级和群组"),
    "groups:write": _("以你的名义加入、退出和管理群组"),
    "resources:read": _("读取你能看到的学习资源"),
    "resources:write": _("以你的名义分享、评分和评论学习资源"),
    "notifications:read": _("读取你的通知"),
    "classroom:read": _("读取班级的签到与考勤：你所在的班级（你管理的班级看全班）；"
                        "学校应用看本校的班级群"),
    "classroom:write": _("以你的名义签到，以及在你管理的班级发起、结束签到和补记考勤"),
    # A person's own only: no school app may be granted these (SCHOOL_READ_SCOPES).
    "messages:read": _("读取你的私信和群聊消息"),
    "messages:write": _("以你的名义发送私信和群聊消息"),
    "moderation": _("查看并处理你管理的群组或学校里的举报与待审内容"),
}

SCHOOL_SCOPES = {
    "school:roster": _("同步本校的学期、课程、教学班和名单"),
    "school:resources": _("以学校的名义发布学习资源"),
    "school:announce": _("在本校的班级和官方群组发布公告"),
    "school:moderation": _("接收本校的举报与待审内容"),
}

# Read scopes a school app may also be granted: what it reads is its school's data.
SCHOOL_READ_SCOPES = ("profile", "profile:verified", "feed:read", "groups:read",
                      "resources:read", "classroom:read")


def all_scopes() -> dict[str, str]:
    scopes = {**USER_SCOPES, **SCHOOL_SCOPES}
    for plugin in installed_plugins():
        scopes.update(plugin.scopes)
    return scopes


def scopes_for_kind(kind: str) -> dict[str, str]:
    """What an app of this kind may ask for ("user" or "school")."""
    every = all_scopes()
    if kind == "school":
        names = [*SCHOOL_READ_SCOPES, *SCHOOL_SCOPES,
                 *(s for p in installed_plugins() for s in p.scopes if s.startswith("school:"))]
    else:
        names = [s for s in every if not s.startswith("school:")]
    return {name: every[name] for name in dict.fromkeys(names)}


def describe(names) -> list[tuple[str, str]]:
    every = all_scopes()
    return [(name, every[name]) for name in names if name in every]


class PlatformScopes(BaseScopes):
    """django-oauth-toolkit's scopes backend: the registry's scopes, cut to what the
    app registered for (and, for a school app, what the school approved)."""

    def get_all_scopes(self):
        return all_scopes()

    def get_available_scopes(self, application=None, request=None, *args, **kwargs):
        if application is None:
            return list(all_scopes())
        from openapi_plugins.selectors import granted_scopes

        return sorted(granted_scopes(application))

    def get_default_scopes(self, application=None, request=None, *args, **kwargs):
        # A school app that names no scope gets what its school approved; a user
        # app must ask for what it needs, on the consent page.
        profile = getattr(application, "profile", None)
        if profile is not None and profile.is_school_app:
            return self.get_available_scopes(application)
        return []

"""The welcome panel on a new account's home page: a checklist and suggestions.

"New" is an account that joined less than WELCOME_DAYS ago. The panel shows while the
account is new, some step of its checklist is still open, and its owner has not closed
it (Profile.welcome_dismissed_at, kept on the account so it stays closed on every
device). Each step is done by doing it, not by ticking it: a step is read from the
account itself. Two weeks because a student settles in during the first week or two of
term; after that the panel would only nag, and everything in it stays a click away
(profile, groups page, search).
"""

from dataclasses import dataclass, field
from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from feeds import selectors as feed_selectors
from yiban_core.accounts import selectors as account_selectors
from yiban_core.groups import rules
from yiban_core.groups import selectors as group_selectors

WELCOME_DAYS = 14
SUGGESTIONS = 6
# What a complete profile has, and how the checklist names a gap.
PROFILE_FIELDS = {"avatar": gettext_lazy("头像"), "bio": gettext_lazy("个人简介"),
                  "major": gettext_lazy("专业")}


@dataclass
class Step:
    key: str
    title: str
    hint: str
    done: bool
    links: list[tuple[str, str]] = field(default_factory=list)  # (label, url)


def is_new(user) -> bool:
    profile = getattr(user, "profile", None)  # an account made by createsuperuser has none
    return (profile is not None and profile.welcome_dismissed_at is None
            and timezone.now() - user.date_joined < timedelta(days=WELCOME_DAYS))


def _profile_step(user) -> Step:
    missing = [str(label) for name, label in PROFILE_FIELDS.items()
               if not getattr(user.profile, name)]
    hint = (_("还差：%(fields)s。同学们靠这些认出你。") % {"fields": _("、").join(missing)}
            if missing else _("头像、简介和专业都已填好。"))
    return Step("profile", _("完善个人资料"), hint, not missing,
                [] if not missing else [(_("编辑资料"), reverse("edit_profile"))])


def _school_step(actor, user) -> Step:
    if user.is_verified:
        return Step("school", _("认证学校身份"),
                    _("%(school)s 已认证你的身份。") % {"school": user.school.name}, True)
    if user.school_id is None:
        return Step("school", _("认证学校身份"),
                    _("先在资料里选择你的学校；学校核对学号/工号后认证你。"), False,
                    [(_("选择学校"), reverse("edit_profile") + "#id_school")])
    hint = _("%(school)s 核对你的学号/工号后认证你：学校的教务系统同步名单时自动认证，"
             "或请学校的易班管理员认证。认证后能看到本校师生仅本校可见的动态和资料，"
             "并自动加入学校官方群。") % {"school": user.school.name}
    official = group_selectors.official_group(actor=actor, school_id=user.school_id)
    links = [(_("去学校官方群"), reverse("group_detail", args=[official.pk]))] if official else []
    links.append((_("核对我的学校"), reverse("edit_profile") + "#id_school"))
    return Step("school", _("认证学校身份"), hint, False, links)


def welcome_panel(request) -> dict | None:
    """What the panel shows, or None when it is not shown (see the top)."""
    user, actor = request.user, request.actor
    if not is_new(user):
        return None
    in_a_group = bool(group_selectors.my_groups(actor=actor))
    steps = [
        _profile_step(user),
        _school_step(actor, user),
        Step("follow", _("关注同学"), _("关注几位同学，他们的动态会出现在你的首页。"),
             user.following_count > 0),
        Step("groups", _("加入群组"), _("用老师给的班级码加入班级群，或加入本校的兴趣群。"),
             in_a_group, [(_("凭班级码加入"), reverse("join_by_code")),
                          (_("浏览群组"), reverse("group_list"))]),
    ]
    if all(step.done for step in steps):
        return None
    groups = group_selectors.suggested_groups(actor=actor, limit=SUGGESTIONS)
    for group in groups:  # join or request: the card's button
        group.join_route = rules.join_route(user, group)
    return {
        "steps": steps,
        "done": sum(step.done for step in steps),
        "people": account_selectors.suggested_people(actor=actor, limit=SUGGESTIONS),
        "groups": groups,
        "topics": feed_selectors.trending_topics(actor=actor, hours=24 * 7, limit=5),
    }

"""What earns points (网薪), how many, and the daily cap against farming: one table.

Apps call `credits.services.award(rule=..., ...)` with a rule code from here;
nothing else decides an amount.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Rule:
    code: str
    points: int
    daily_cap: int | None  # most points one user may earn by this rule per day
    label: str


RULES = {
    rule.code: rule
    for rule in [
        Rule("daily_checkin", 5, 5, _("每日签到")),
        Rule("post_published", 2, 10, _("发布动态")),
        Rule("like_received", 1, 20, _("动态被点赞")),
        Rule("resource_shared", 10, 50, _("分享学习资源")),
        Rule("resource_rated", 2, 40, _("资源被评分")),
        Rule("resource_downloaded", 1, 30, _("资源被下载")),
        Rule("review_written", 2, 10, _("撰写资源评价")),
        Rule("class_checkin", 2, 10, _("课堂签到")),
    ]
}


def rule(code: str) -> Rule:
    return RULES[code]

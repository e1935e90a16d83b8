"""Points (网薪) and leaderboards pages.

/points/: balance, the daily check-in, the ledger (keyset pages) and the rules
table. /leaderboards/: people (site, my school, one of my groups), resources by
Bayesian score and by downloads, groups by activity; today/week/month/all time;
the viewer's own rank even when outside the top.

The boards only rank what everyone may see (public resources, non-private
groups); the rows come from the same functions as the API's (resources/boards.py and
feeds/boards.py `leaderboard`), which read through the selectors.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from feeds import boards as group_boards
from frontend import fragments
from frontend.errors import domain_errors, perform
from frontend.views.feeds import more_url
from frontend.views.resources import decorate
from resources import boards as resource_boards
from resources.models import Subject
from yiban_core import personal_cache
from yiban_core.credits import selectors, services
from yiban_core.credits.rules import RULES
from yiban_core.credits.windows import WINDOWS
from yiban_core.errors import Invalid
from yiban_core.groups import selectors as group_selectors
from yiban_core.pagination import paginate

HISTORY_PAGE_SIZE = 30
BOARD_SIZE = 50

WINDOW_LABELS = {"day": gettext_lazy("今日"), "week": gettext_lazy("本周"),
                 "month": gettext_lazy("本月"), "all": gettext_lazy("总榜")}
TABS = [("people", gettext_lazy("网薪达人")), ("resources", gettext_lazy("好评资源")),
        ("downloads", gettext_lazy("热门下载")), ("groups", gettext_lazy("活跃群组"))]


@login_required
@domain_errors
def points(request):
    page = paginate(selectors.history(actor=request.actor), first=HISTORY_PAGE_SIZE,
                    after=request.GET.get("after"))
    for entry in page.items:
        rule = RULES.get(entry.rule)
        label = rule.label if rule else entry.rule
        entry.label = _("撤销：%(label)s") % {"label": label} if entry.reverses_id else label
    return render(request, "frontend/points/points.html", {
        "balance": selectors.balance(actor=request.actor),
        "page": page, "more": more_url(request, page),
        "rules": list(RULES.values()),
    })


@require_POST
@login_required
def checkin(request):
    return perform(request, lambda: services.daily_checkin(actor=request.actor),
                   success=_("签到成功，网薪 +%(n)d") % {"n": RULES["daily_checkin"].points},
                   next_url=reverse("points"))


def _link(**params) -> str:
    return "?" + urlencode({k: v for k, v in params.items() if v})


@domain_errors
def leaderboards(request):
    tab = request.GET.get("tab") or "people"
    if tab not in dict(TABS):
        raise Invalid(_("没有这个榜单"), field="tab")
    window = request.GET.get("window") or "week"
    if window not in WINDOWS:
        raise Invalid(_("时间范围只能是 day、week、month 或 all"), field="window")
    scope = request.GET.get("scope") or "site"
    subject = request.GET.get("subject") or ""
    if subject and subject not in Subject.values:
        raise Invalid(_("学科不正确"), field="subject")
    user = request.user if request.user.is_authenticated else None
    school = user.school if user is not None and user.school_id else None
    my_groups = group_selectors.my_groups(actor=request.actor) if user else []
    context = {
        "tab": tab, "window": window, "scope": scope, "subject": subject, "school": school,
        "my_groups": my_groups, "subjects": Subject.choices,
        "tabs": [(v, label, _link(tab=v, window=window)) for v, label in TABS],
        "windows": [(w, WINDOW_LABELS[w], _link(tab=tab, window=w, scope=scope,
                                                subject=subject)) for w in WINDOWS],
    }
    if tab == "people":
        context.update(_people(request, window, scope, school, my_groups))
    elif tab in ("resources", "downloads"):
        metric = "score" if tab == "resources" else "downloads"
        if metric == "score":
            window = context["window"] = "all"
        board = resource_boards.leaderboard(actor=request.actor, metric=metric, window=window,
                                            count=BOARD_SIZE, subject=subject or None)
        rows = [(rank, resource,
                 points / resource_boards.SCORE_SCALE if metric == "score" else points)
                for rank, resource, points in board]
        decorate([r for _rank, r, _points in rows])
        context.update({"resource_rows": rows, "metric": metric})
    else:
        school_id = school.pk if scope == "school" and school else None
        context["group_rows"] = group_boards.leaderboard(actor=request.actor, window=window,
                                                         count=BOARD_SIZE, school_id=school_id)
    return render(request, "frontend/points/leaderboards.html", context)


def _people(request, window, scope, school, my_groups) -> dict:
    group = None
    if scope.startswith("group:"):
        group = group_selectors.get_group(actor=request.actor, pk=scope.split(":", 1)[1])
    elif scope == "school" and school is None:
        scope = "site"
    board = selectors.people_ranking(actor=request.actor, window=window,
                                     school=school if scope == "school" else None,
                                     group=group, count=BOARD_SIZE)
    scopes = [("site", _("全站"), _link(tab="people", window=window))]
    if school is not None:
        scopes.append(("school", school.short_name or school.name,
                       _link(tab="people", window=window, scope="school")))
    for g in my_groups:
        scopes.append((f"group:{g.pk}", g.name,
                       _link(tab="people", window=window, scope=f"group:{g.pk}")))
    ranked = board["ranked"]
    return {"people_ranked": ranked, "people_board": _people_board(request, ranked),
            "viewer_rank": board["viewer_rank"], "viewer_points": board["viewer_points"],
            "viewer_in_top": any(r.user_id == request.user.pk for r in ranked),
            "people_scopes": scopes, "scope": scope, "scope_group": group}


def _people_board(request, ranked) -> str:
    """The board's rows, the same for everyone who reads it: rendered once per ranking and
    per state of its people (their generations in yiban_core/personal_cache.py: any
    change to a person is a new one) and day (a minor's photo is not shown), the reader's
    own row marked afterwards."""
    ids = [r.user_id for r in ranked]
    inputs = (tuple((r.rank, r.points, r.user_id) for r in ranked),
              tuple(personal_cache.generations(ids)), timezone.localdate().isoformat())

    def render() -> str:
        people = selectors.board_people(ids)
        return render_to_string("frontend/points/_people_board.html", {"people_rows": [
            (r, people[r.user_id]) for r in ranked if r.user_id in people]})

    html = fragments.cached("people-board", inputs, render)
    me = request.user.pk
    if me is not None:
        html = html.replace(f'<li class="board-row" data-person="{me}">',
                            f'<li class="board-row is-me" data-person="{me}">')
    return mark_safe(html)  # the autoescaped template's output

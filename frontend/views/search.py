"""The search results page: /search/?q=&type=&school=&subject=&course=&since=&sort=&after=

One mixed list (each result with a badge saying what it is), read through
yiban_core.search.selectors.search, which keeps only what the viewer may see.
An empty query shows the empty search page; a query the selector refuses (only
operators, far too long) or a bad filter shows a message, never an error page.
"""

from __future__ import annotations

from datetime import timedelta

from django import forms
from django.http import JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_GET

from frontend import fragments
from frontend.forms import IdField
from frontend.templatetags.yiban import when
from frontend.views.feeds import more_url
from resources import selectors as resource_selectors
from resources.models import Subject
from yiban_core.accounts import selectors as account_selectors
from yiban_core.errors import DomainError
from yiban_core.search import selectors
from yiban_core.search.text import query_terms

PAGE_SIZE = 20
PERIODS = {"day": timedelta(days=1), "week": timedelta(days=7), "month": timedelta(days=30),
           "year": timedelta(days=365)}
TYPE_CHOICES = [("", gettext_lazy("全部")), ("post", gettext_lazy("动态")),
                ("resource", gettext_lazy("资源")), ("group", gettext_lazy("群组")),
                ("user", gettext_lazy("用户")), ("topic", gettext_lazy("话题"))]
KIND_LABELS = dict(TYPE_CHOICES[1:])
SINCE_CHOICES = [("", gettext_lazy("不限时间")), ("day", gettext_lazy("最近一天")),
                 ("week", gettext_lazy("最近一周")), ("month", gettext_lazy("最近一个月")),
                 ("year", gettext_lazy("最近一年"))]
SORT_CHOICES = [("relevance", gettext_lazy("最相关")), ("newest", gettext_lazy("最新")),
                ("rating", gettext_lazy("评分最高"))]


class SearchForm(forms.Form):
    # No max_length: the selector says what is too long, in its own words.
    q = forms.CharField(label=gettext_lazy("搜索"), required=False, strip=True)
    type = forms.ChoiceField(label=gettext_lazy("类型"), required=False, choices=TYPE_CHOICES)
    school = IdField(label=gettext_lazy("学校"), required=False)
    subject = forms.ChoiceField(label=gettext_lazy("学科"), required=False,
                                choices=[("", gettext_lazy("全部学科")), *Subject.choices])
    course = IdField(label=gettext_lazy("课程"), required=False)
    since = forms.ChoiceField(label=gettext_lazy("时间"), required=False, choices=SINCE_CHOICES)
    sort = forms.ChoiceField(label=gettext_lazy("排序"), required=False, choices=SORT_CHOICES)


def _link(result) -> str:
    obj = result.object
    if result.kind == "post":
        return reverse("post_detail", args=[obj.pk])
    if result.kind == "resource":
        return reverse("resource_detail", args=[obj.pk])
    if result.kind == "group":
        return reverse("group_detail", args=[obj.pk])
    if result.kind == "user":
        return reverse("profile", args=[obj.username])
    return reverse("topic", args=[obj.name])


def _rows(results, terms: list[str]) -> list[dict]:
    rows = [{
        "kind": r.kind, "label": KIND_LABELS.get(r.kind, r.kind), "url": _link(r),
        "title": selectors.highlight(r.title, terms, width=200), "snippet": r.snippet,
        "object": r.object,
    } for r in results]
    # Each row rendered once per what it shows (frontend/fragments.py): the same for every
    # reader who may see it.
    html = fragments.cached_each("search-row", rows, _shown, lambda row: mark_safe(
        render_to_string("frontend/search/_row.html", {"row": row})))
    for row, part in zip(rows, html, strict=True):
        row["html"] = mark_safe(part)  # the autoescaped template's output
    return rows


def _shown(row: dict) -> tuple:
    """Everything a result row shows (frontend/search/_row.html)."""
    obj, kind = row["object"], row["kind"]

    def school(owner) -> str | None:
        return owner.school.name if owner.school_id else None

    if kind == "post":
        details = (fragments.person(obj.author), obj.created_at.isoformat(),
                   when(obj.created_at), obj.group.name if obj.group_id else None)
    elif kind == "resource":
        course = obj.course if obj.course_id else None
        details = ((course.school.name, course.code, course.name) if course else None,
                   school(obj), obj.subject, obj.rating_count, obj.rating_average,
                   obj.owner.display_name, obj.owner.username)
    elif kind == "group":
        details = (obj.kind, obj.member_count, obj.is_private, school(obj))
    elif kind == "user":
        profile = getattr(obj, "profile", None)
        details = (obj.username, school(obj), profile.major if profile else "")
    else:
        details = (obj.post_count,)
    return (kind, obj.pk, str(row["label"]), row["url"], str(row["title"]),
            str(row["snippet"]), details)


def _query_string(request, **changes) -> str:
    query = request.GET.copy()
    query.pop("after", None)
    for key, value in changes.items():
        if value:
            query[key] = value
        else:
            query.pop(key, None)
    return "?" + query.urlencode()


def search_page(request):
    form = SearchForm(request.GET)
    valid = form.is_valid()
    data = form.cleaned_data if valid else {}
    query = (data.get("q") or request.GET.get("q", "")).strip()
    kind, sort = data.get("type") or "", data.get("sort") or "relevance"
    school_id, course_id = data.get("school"), data.get("course")
    page, error, status = None, None, 200
    if not valid:
        error = next(iter(form.errors.values()))[0]
        status = 400
    elif query:
        try:
            page = selectors.search(
                actor=request.actor, query=query, kinds=[kind] if kind else None,
                school_id=school_id, subject=data.get("subject") or "", course_id=course_id,
                since=timezone.now() - PERIODS[data["since"]] if data.get("since") else None,
                sort=sort, first=PAGE_SIZE, after=request.GET.get("after") or None,
                shown_only=True,
            )
        except DomainError as failure:
            error, status = failure.message, 400
    courses = []
    if school_id:
        try:
            courses = list(resource_selectors.courses(actor=request.actor,
                                                      school_id=school_id)[:200])
        except DomainError:
            courses = []
    filtered = any(data.get(k) for k in ("school", "subject", "course", "since"))
    return render(request, "frontend/search/results.html", {
        "form": form, "data": data, "query": query, "kind": kind, "sort": sort,
        "error": error, "page": page,
        "rows": _rows(page.items, query_terms(query)) if page else [],
        "more": more_url(request, page) if page else None,
        "type_links": [(v, label, _query_string(request, type=v)) for v, label in TYPE_CHOICES],
        "sort_links": [(v, label, _query_string(request, sort=v)) for v, label in SORT_CHOICES],
        "schools": account_selectors.school_names(),
        "courses": courses, "subjects": Subject.choices, "periods": SINCE_CHOICES[1:],
        "filtered": filtered, "clear_url": _query_string(
            request, school="", subject="", course="", since=""),
    }, status=status)


def _detail(result) -> str:
    """The line under a suggestion: what tells two 张伟 or two 摄影社 apart."""
    obj = result.object
    if result.kind == "user":
        return " · ".join(filter(None, [f"@{obj.username}", obj.school.name if obj.school else "",
                                        getattr(getattr(obj, "profile", None), "major", "")]))
    if result.kind == "group":
        return " · ".join(filter(None, [str(obj.get_kind_display()),
                                        obj.school.name if obj.school else ""]))
    if result.kind == "topic":
        return ngettext("%(counter)s 条公开动态", "%(counter)s 条公开动态",
                        obj.post_count) % {"counter": obj.post_count}
    return ""


@require_GET
def suggest(request):
    """/search/suggest?q=: people, groups and topics for the box under the search field
    (frontend/static/frontend/suggest.js), as JSON, through the search selector."""
    query = request.GET.get("q", "").strip()
    try:
        results = selectors.suggest(actor=request.actor, query=query)
    except DomainError as failure:
        return JsonResponse({"code": failure.code, "message": failure.message}, status=400)
    terms = query_terms(query)
    suggestions = []
    for r in results:
        title = f"#{r.title}#" if r.kind == "topic" else r.title
        suggestions.append({
            "kind": r.kind, "label": str(KIND_LABELS.get(r.kind, r.kind)), "title": title,
            "html": str(selectors.highlight(title, terms, width=60)),  # escaped, <mark>ed
            "detail": _detail(r), "url": _link(r),
        })
    return JsonResponse({"query": query, "suggestions": suggestions})

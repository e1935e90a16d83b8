"""Reporting (举报), the review queue for moderators, and the author's view of a decision
with its appeal (申诉). Reads go through yiban_core.moderation.selectors, writes through its
services; these views only ask and show.

The 举报 entry on a post, comment, resource, review, group or person is a link to
/report/<kind>/<id>/: a page with the form, which works without JavaScript; report.js
opens the same form in a dialog and posts it with fetch() (JSON answers).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_POST

from frontend.errors import STATUS_BY_CODE, domain_errors, perform
from frontend.views.feeds import error_json, wants_json
from yiban_core import redirects
from yiban_core.errors import DomainError, NotFound
from yiban_core.moderation import rules, selectors, services, targets
from yiban_core.moderation.models import (
    REPORT_DETAIL_MAX_LENGTH,
    CaseStatus,
    Decision,
    ReportReason,
)

QUEUE_PAGE_SIZE = 20
# The URL's word for each reportable kind (its GraphQL type name).
KINDS = {"post": "Post", "comment": "Comment", "resource": "Resource", "review": "Rating",
         "group": "Group", "user": "User", "message": "Message"}
KIND_LABELS = {"Post": _lazy("动态"), "Comment": _lazy("评论"), "Resource": _lazy("资源"),
               "Rating": _lazy("评价"), "Group": _lazy("群组"), "User": _lazy("用户"),
               "Message": _lazy("消息")}
DECISION_LABELS = {**dict(Decision.choices), rules.UPHOLD: _lazy("维持原处理")}


def _target(request, kind: str, pk: int):
    found = targets.by_type_name(KINDS.get(kind, ""))
    if found is None:
        raise NotFound(_("没有这种内容"))
    return found, found.load_visible(request.actor, pk)


@login_required
@domain_errors
def report(request, kind: str, pk: int):
    """The report form (GET) and filing it (POST): the reporter is told it was received and
    that they will hear the outcome; the person reported never learns who reported."""
    target_kind, target = _target(request, kind, pk)
    next_url = redirects.next_url(request, target_kind.path(target))
    context = {"kind": kind, "pk": pk, "kind_label": KIND_LABELS[target_kind.type_name],
               "excerpt": target_kind.excerpt(target)[:120], "reasons": ReportReason.choices,
               "detail_max": REPORT_DETAIL_MAX_LENGTH, "next": next_url,
               "chosen": request.POST.get("reason", ""), "detail": request.POST.get("detail", "")}
    if request.method != "POST":
        return render(request, "frontend/moderation/report.html", context)
    try:
        services.report_content(actor=request.actor, target=target,
                                reason=request.POST.get("reason", ""),
                                detail=request.POST.get("detail", ""))
    except DomainError as error:
        if wants_json(request):
            return error_json(error)
        context["error"] = error
        return render(request, "frontend/moderation/report.html", context,
                      status=STATUS_BY_CODE.get(error.code, 400))
    received = _("举报已收到，我们会尽快处理，处理结果会通过通知告诉你。")
    if wants_json(request):
        return JsonResponse({"reported": True, "message": received})
    return render(request, "frontend/moderation/reported.html",
                  {**context, "message": received})


@login_required
@domain_errors
def queue(request):
    """The review queue of the moderator's jurisdiction: one card per case, reports grouped
    with their counts and reasons, and the decision form."""
    selectors.require_moderator(request.actor)
    status = request.GET.get("status") or CaseStatus.OPEN
    kind = request.GET.get("kind") or None
    page = selectors.moderation_queue(actor=request.actor, status=status, kind=kind,
                                      cursor=request.GET.get("after"),
                                      page_size=QUEUE_PAGE_SIZE)
    for case in page.items:
        case.kind_label = KIND_LABELS.get(case.kind.type_name, "") if case.kind else ""
        case.decision_choices = [(d, DECISION_LABELS[d]) for d in case.viewer_decisions]
    more = None
    if page.has_next:
        query = request.GET.copy()
        query["after"] = page.end_cursor
        more = "?" + query.urlencode()
    return render(request, "frontend/moderation/queue.html", {
        "page": page, "more": more, "status": status, "kind": kind or "",
        "kinds": list(KIND_LABELS.items()), "mute_max": services.MUTE_DAYS_MAX,
    })


@require_POST
@login_required
def decide(request, pk: int):
    def action():
        services.decide_case(actor=request.actor, case_id=pk,
                             decision=request.POST.get("decision", ""),
                             reason=request.POST.get("reason", ""),
                             mute_days=request.POST.get("mute_days") or None)

    return perform(request, action, success=_("已处理，作者和举报人会收到通知"),
                   next_url=redirects.next_url(request, reverse("moderation_queue")))


@login_required
@domain_errors
def my_case(request, pk: int):
    """What was decided about the viewer's content, why, and the appeal form while open."""
    case = selectors.my_case(actor=request.actor, case_id=pk)
    case.kind_label = KIND_LABELS.get(case.kind.type_name, "") if case.kind else ""
    return render(request, "frontend/moderation/case.html", {
        "case": case, "appeal_days": services.APPEAL_DAYS,
        "appeal_max": services.REASON_MAX_LENGTH,
    })


@require_POST
@login_required
def appeal(request, pk: int):
    def action():
        services.appeal_case(actor=request.actor, case_id=pk, text=request.POST.get("text", ""))

    return perform(request, action, success=_("申诉已提交，将由另一位审核员复核"),
                   next_url=reverse("moderation_case", args=[pk]))


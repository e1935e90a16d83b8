"""Moderation on the pages: the 举报 entry, the author's 审核中/已删除 mark, and the queue's
place in the account menu."""

from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from yiban_core.moderation import selectors, targets
from yiban_core.moderation.models import ContentState

register = template.Library()

# The report page's word for each kind (frontend/views/moderation.py KINDS).
_URL_KINDS = {"Post": "post", "Comment": "comment", "Resource": "resource", "Rating": "review",
              "Group": "group", "User": "user", "Message": "message"}


@register.simple_tag(takes_context=True)
def report_link(context, obj, css: str = "report-link"):
    """举报, for a signed-in person who is not the author; the link opens the report page
    (report.js opens it in a dialog)."""
    request = context.get("request")
    kind = targets.kind_of(obj)
    if request is None or kind is None or not request.user.is_authenticated:
        return ""
    if kind.author_id(obj) == request.user.pk:
        return ""
    url = reverse("report", args=[_URL_KINDS[kind.type_name], obj.pk])
    return format_html('<a class="{}" href="{}?next={}" data-report rel="nofollow">{}</a>',
                       css, url, quote(request.get_full_path(), safe="/"), _("举报"))


@register.inclusion_tag("frontend/moderation/_mark.html", takes_context=True)
def moderation_mark(context, obj):
    """To the author of held or removed content: 审核中 / 已删除, and where to read why and
    appeal. Others never see such content at all (the apps' selectors)."""
    request = context.get("request")
    state = getattr(obj, "moderation", ContentState.VISIBLE)
    kind = targets.kind_of(obj)
    if request is None or state == ContentState.VISIBLE or kind is None:
        return {"state": None}
    if kind.author_id(obj) != request.user.pk:
        return {"state": None}
    case = selectors.latest_cases_of(actor=request.actor, model=kind.model,
                                     ids=[obj.pk]).get(obj.pk)
    return {"state": state, "label": ContentState(state).label, "case": case,
            "removed": state == ContentState.REMOVED}


@register.simple_tag(takes_context=True)
def moderation_queue_url(context) -> str:
    request = context.get("request")
    if request is None or not request.user.is_authenticated:
        return ""
    return (reverse("moderation_queue")
            if selectors.moderates_anything(actor=request.actor) else "")

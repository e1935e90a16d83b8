"""The home page (composer and home timeline for a member, welcome page for a visitor)
and notifications."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from feeds import selectors as feed_selectors
from frontend.errors import domain_errors, perform
from frontend.views.feeds import composer_context, decorate_posts, more_url, my_groups_with_roles
from frontend.welcome import welcome_panel
from yiban_core.accounts import services as account_services
from yiban_core.groups import selectors as group_selectors
from yiban_core.notifications import selectors as notification_selectors
from yiban_core.notifications import services as notification_services
from yiban_core.notifications import texts as notification_texts
from yiban_core.notifications.targets import target_model_label
from yiban_core.notifications.texts import REPORTER_KINDS


@domain_errors
def home(request):
    context = {}
    if request.user.is_authenticated:
        groups = my_groups_with_roles(request)
        page = feed_selectors.home_timeline(actor=request.actor, first=20,
                                            after=request.GET.get("after"))
        decorate_posts(request, page.items, my_groups=groups)
        context.update(composer_context(request, groups=groups, next_url=request.path))
        context.update({
            "my_groups": groups[:8],
            "group_count": len(groups),
            "invitation_count": group_selectors.pending_invitation_count(actor=request.actor),
            "page": page,
            "more": more_url(request, page),
            "trending": feed_selectors.trending_topics(actor=request.actor),
            "welcome": welcome_panel(request),
        })
    return render(request, "frontend/home.html", context)


@require_POST
@login_required
def dismiss_welcome(request):
    return perform(request, lambda: account_services.dismiss_welcome(actor=request.actor),
                   success=_("已关闭新手引导"),
                   next_url=reverse("home"))


@login_required
@domain_errors
def notifications(request):
    """One row per group of notifications, with what happened in words; opening the page
    marks what it shows read (the rows keep their unread look for this visit)."""
    actor = request.actor
    page = notification_selectors.notification_groups(actor=actor, first=30,
                                                      after=request.GET.get("after"))
    notification_selectors.describe_groups(actor=actor, notifications=page.items)
    for notification in page.items:
        notification.link = _link(notification)
        notification.quotes = notification_texts.quotes(notification)
        notification.others = notification_texts.others(notification)
    notification_services.mark_groups_read(actor=actor, notifications=page.items)
    return render(request, "frontend/notifications.html", {"page": page})


def _link(notification) -> str | None:
    """Where the row leads: the post while the reader may see it, else the group."""
    excerpts = notification.excerpts
    if (excerpts is not None and excerpts.target is not None
            and target_model_label(notification) == "feeds.post"):
        return reverse("post_detail", args=[notification.target_id])
    if (excerpts is not None and excerpts.target is not None
            and target_model_label(notification) == "resources.resource"):
        return reverse("resource_detail", args=[notification.target_id])
    if (target_model_label(notification) == "moderation.case"
            and notification.kind not in REPORTER_KINDS):
        return reverse("moderation_case", args=[notification.target_id])  # why, and appeal
    if notification.group_id:
        return reverse("group_detail", args=[notification.group_id])
    if notification.kind == notification.Kind.DATA_EXPORT_READY:
        return reverse("settings_privacy") + "#export"
    if notification.kind == notification.Kind.FOLLOWED and notification.actor_id:
        return reverse("profile", args=[notification.actor.username])
    return None


@require_POST
@login_required
def mark_all_read(request):
    return perform(
        request, lambda: notification_services.mark_all_read(actor=request.actor),
        success=_("已全部标为已读"), next_url=reverse("notifications"),
    )

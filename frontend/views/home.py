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
from yiban_core.pagination import paginate


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
            "invitation_count": group_selectors.my_invitations(actor=request.actor).count(),
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
    page = paginate(notification_selectors.notifications_for(actor=request.actor), first=30,
                    after=request.GET.get("after"))
    return render(request, "frontend/notifications.html", {"page": page})


@require_POST
@login_required
def mark_all_read(request):
    return perform(
        request, lambda: notification_services.mark_all_read(actor=request.actor),
        success=_("已全部标为已读"), next_url=reverse("notifications"),
    )

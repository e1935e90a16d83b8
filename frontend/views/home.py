"""The home page (the timeline arrives with the feeds issue) and notifications."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, perform
from yiban_core.groups import selectors as group_selectors
from yiban_core.notifications import selectors as notification_selectors
from yiban_core.notifications import services as notification_services
from yiban_core.pagination import paginate


@domain_errors
def home(request):
    context = {}
    if request.user.is_authenticated:
        context["my_groups"] = paginate(group_selectors.groups_of(actor=request.actor),
                                        first=12)
        context["invitation_count"] = group_selectors.my_invitations(
            actor=request.actor).count()
    return render(request, "frontend/home.html", context)


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

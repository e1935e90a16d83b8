"""The terms and privacy policy pages (each version readable), the re-consent page, and
the person's consents (同意记录) with 撤回 for location and each app."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from frontend.errors import domain_errors, error_page, show_error
from yiban_core import redirects
from yiban_core.errors import DomainError, NotFound
from yiban_core.privacy import consent_selectors as selectors
from yiban_core.privacy import consent_services as services
from yiban_core.privacy.middleware import remember_agreed
from yiban_core.privacy.models import Consent, PolicyVersion

KINDS = {"terms": PolicyVersion.Kind.TERMS, "privacy": PolicyVersion.Kind.PRIVACY}
PAGE_NAMES = {"terms": ("terms", "terms_version"),
              "privacy": ("privacy_policy", "privacy_policy_version")}


def policy_page(request, kind: str, version: str | None = None):
    """Public: the version in force (or an earlier one), its 本版变更 and every version."""
    try:
        policy = (selectors.get_policy(kind, version) if version is not None
                  else selectors.current_policy(kind))
    except NotFound as error:
        return error_page(request, error)
    if policy is None:
        return error_page(request, NotFound(_("尚未发布")))
    current = selectors.current_policy(kind)
    return render(request, "frontend/privacy/policy.html", {
        "policy": policy, "is_current": current is not None and current.pk == policy.pk,
        "current": current, "versions": selectors.published_versions(kind),
        "page_name": PAGE_NAMES[kind][0], "version_page_name": PAGE_NAMES[kind][1],
    })


@login_required
def policy_consent(request):
    """What changed in the versions the person has not agreed to, with 同意 and the way
    out (sign out, export, cancel the account)."""
    next_url = redirects.next_url(request, "/")
    pending = selectors.policies_to_agree(request.user)
    if not pending:
        remember_agreed(request, request.user)
        return redirect(next_url)
    if request.method == "POST":
        agreed = {kind: request.POST.get(f"version_{kind}", "")[:20] for kind in KINDS}
        try:
            services.agree_to_policies(actor=request.actor, agreed=agreed)
        except DomainError as error:
            show_error(request, error)
            return redirect(request.get_full_path())
        remember_agreed(request, request.user)
        messages.success(request, _("已同意新版本，感谢你的理解"))
        return redirect(next_url)
    return render(request, "frontend/privacy/consent.html",
                  {"pending": pending, "next": next_url})


@login_required
def consents_page(request):
    return render(request, "frontend/privacy/consents.html", {
        "consents": selectors.my_consents(actor=request.actor),
        "withdrawable": services.WITHDRAWABLE,
    })


@require_POST
@login_required
@domain_errors
def consent_withdraw(request, pk):
    try:
        consent = services.withdraw_consent(actor=request.actor, consent_id=pk)
    except DomainError as error:
        show_error(request, error)
    else:
        if consent.purpose == Consent.Purpose.LOCATION:
            messages.success(request, _("已撤回：需要定位的签到将不再使用你的位置"))
        else:
            messages.success(request, _("已撤回：%(app)s 不能再读取你的实名和学号/工号")
                             % {"app": consent.application.name})
    return redirect("privacy_consents")


@require_POST
@login_required
@domain_errors
def location_allow(request):
    """The check-in page's separate consent to use the person's position."""
    try:
        services.allow_location(actor=request.actor)
    except DomainError as error:
        show_error(request, error)
    else:
        messages.success(request, _("已同意签到时使用位置，可随时在同意记录中撤回"))
    return redirect(redirects.next_url(request, "/"))

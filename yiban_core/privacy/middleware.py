"""Re-consent: a signed-in person who has not agreed to the terms or the privacy policy
in force (a new version asking for consent, or an account the school's sign-in or
roster opened) is sent to agree on their next page view, and back afterwards.

Web sessions only. A bearer token is never stopped here (an app cannot agree for a
person; its requests carry no session user), nor are the policy pages, the consent
page, signing out, the privacy settings (export, cancelling the account: the way out
for someone who does not agree), static files and the health probes (answered before
any middleware). /graphql in a session gets a GraphQL error rather than a redirect.

What the person agreed to is kept in their session once read, so that a page view
costs no query while nothing new was published.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from yiban_core.privacy import consent_selectors as selectors

SESSION_KEY = "privacy.agreed"
OPEN_URL_NAMES = {"terms", "terms_version", "privacy_policy", "privacy_policy_version",
                  "policy_consent", "logout", "set_language", "protected_file",
                  "public_media"}
OPEN_PREFIXES = ("/settings/privacy/", "/static/", "/media/")


def remember_agreed(request, user) -> None:
    request.session[SESSION_KEY] = selectors.agreed_versions(user)


def still_to_agree(request) -> list[str]:
    """The policy kinds this session's person has not agreed to in their version in force."""
    required = selectors.required_versions()
    if not required:
        return []
    if not selectors.missing_policies(request.session.get(SESSION_KEY) or {}, required):
        return []
    remember_agreed(request, request.user)  # agreed elsewhere since, or not read yet
    return selectors.missing_policies(request.session[SESSION_KEY], required)


class PolicyConsentMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return None
        match = request.resolver_match
        if (match is not None and match.url_name in OPEN_URL_NAMES) \
                or request.path_info.startswith(OPEN_PREFIXES):
            return None
        if not still_to_agree(request):
            return None
        message = _("《用户协议》或《隐私政策》已更新，请先阅读并同意")
        if match is not None and match.url_name == "graphql":
            return JsonResponse({"errors": [{"message": message,
                                             "extensions": {"code": "CONSENT_REQUIRED"}}]},
                                status=403)
        back = request.get_full_path() if request.method == "GET" else "/"
        return redirect(reverse("policy_consent") + "?" + urlencode({"next": back}))

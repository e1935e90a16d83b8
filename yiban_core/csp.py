"""The Content-Security-Policy of every response (django-csp; the policy is in settings).

Scripts and stylesheets come from the site only: no inline script, no inline style, no
eval, so markup injected into a page cannot run. What a page needs beyond the policy in
settings is added here, per request: the site's own websocket origin (/ws/live/).
Current Chromium counts ws: and wss: of the same host as 'self' (the browser test passes
without it), as CSP level 3 says; older browsers do not, so it is spelled out.
"""

from __future__ import annotations

from csp.middleware import CSPMiddleware, PolicyParts
from django.core.exceptions import DisallowedHost
from django.http import HttpRequest, HttpResponseBase


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    def get_policy_parts(self, request: HttpRequest, response: HttpResponseBase,
                         report_only: bool = False) -> PolicyParts:
        parts = super().get_policy_parts(request, response, report_only)
        try:
            host = request.get_host()
        except DisallowedHost:
            return parts  # a refused host gets the settings' policy, nothing of its own
        scheme = "wss" if request.is_secure() else "ws"
        update = dict(parts.update or {})
        update["connect-src"] = [*update.get("connect-src", ()), f"{scheme}://{host}"]
        parts.update = update
        return parts

"""Where a request may send the browser next: the one check for every redirect target
read from a request (`next`, a Referer, the login and language forms).

A target is kept only when Django's url_has_allowed_host_and_scheme accepts it for
this site, and accepts it again once percent-decoded: a later hop (a login page
reading `next` back, a proxy) may decode `/%5Cevil.example` into `/\\evil.example`,
which browsers read as `//evil.example`. Anything else gives way to a safe default.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.utils.http import url_has_allowed_host_and_scheme

_DECODINGS = 3  # deeper nesting than this is refused outright


def is_safe_redirect(request, target: str | None) -> bool:
    if not target:
        return False
    hosts = {request.get_host()}
    for _round in range(_DECODINGS):
        if not url_has_allowed_host_and_scheme(target, allowed_hosts=hosts,
                                               require_https=request.is_secure()):
            return False
        decoded = unquote(target)
        if decoded == target:
            return True
        target = decoded
    return False


def safe_redirect(request, target: str | None, default: str) -> str:
    """`target` when it stays on this site, else `default`."""
    return target if is_safe_redirect(request, target) else default


def next_url(request, default: str) -> str:
    """The request's `next` (form field, else query string) when safe, else `default`."""
    return safe_redirect(request, request.POST.get("next") or request.GET.get("next"), default)

"""The OAuth redirect a form submission may end at, let through the CSP's form-action.

The policy lets forms post to the site only ('self'), and browsers apply form-action to
the redirects that follow a submission too. Two forms end at an app's redirect URI: the
consent page (Allow or Deny, then back to the app) and the login page whose `next` is an
authorization request the user already granted. Their pages allow the origin of that
redirect URI, and only once it is one the app registered.
"""

from __future__ import annotations

from functools import wraps
from urllib.parse import parse_qs, urlsplit

from django.urls import reverse
from oauth2_provider.models import get_application_model


def _redirect_origin(client_id: str, redirect_uri: str) -> str | None:
    """The origin of the app's registered redirect URI this request names, if any."""
    if not client_id:
        return None
    app = get_application_model().objects.filter(client_id=client_id).first()
    if app is None:
        return None
    if not redirect_uri:
        uris = app.redirect_uris.split()
        redirect_uri = uris[0] if len(uris) == 1 else ""  # DOT's default redirect URI
    if not redirect_uri or not app.redirect_uri_allowed(redirect_uri):
        return None
    target = urlsplit(redirect_uri)
    return f"{target.scheme}://{target.netloc}"


def _authorization_params(request) -> dict[str, str]:
    """client_id and redirect_uri of the authorization request this page is about."""
    authorize = reverse("oauth2_provider:authorize")
    if request.path == authorize:
        params = request.POST if request.method == "POST" else request.GET
        return {"client_id": params.get("client_id", ""),
                "redirect_uri": params.get("redirect_uri", "")}
    # The login page: the request to come back to is in `next`.
    target = urlsplit(request.POST.get("next") or request.GET.get("next") or "")
    if target.netloc or target.path != authorize:
        return {}
    query = parse_qs(target.query)
    return {"client_id": query.get("client_id", [""])[0],
            "redirect_uri": query.get("redirect_uri", [""])[0]}


def allow_oauth_redirect(view):
    """Add the pending authorization request's redirect origin to this page's form-action."""
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        params = _authorization_params(request)
        origin = _redirect_origin(**params) if params else None
        if origin:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = [*update.get("form-action", ()), origin]
            response._csp_update = update
        return response

    return wrapped

"""The GraphQL explorer: GraphiQL served by the site, every asset local.

GraphiQL, React and ReactDOM are vendored under static/frontend/vendor/graphiql/
(their licences next to them); frontend/static/frontend/explorer.js points the
fetcher at /graphql with the session and its CSRF token, or with a bearer token
the developer pastes (then without cookies, as an app would call).
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie


@login_required
@ensure_csrf_cookie
def explorer(request):
    return render(request, "frontend/developers/explorer.html",
                  {"endpoint": reverse("graphql"), "active": "explorer"})

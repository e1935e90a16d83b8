"""The GraphQL explorer: GraphiQL served by the site, every asset local.

GraphiQL, React and ReactDOM are vendored under static/frontend/vendor/graphiql/
(their licences next to them); frontend/static/frontend/explorer.js points the
fetcher at /graphql with the session and its CSRF token, or with a bearer token
the developer pastes (then without cookies, as an app would call).

GraphiQL needs no eval and no inline script. Its dialogs (settings, short keys) add a
<style> element to hide the page's scroll bar while they are open, with no way to give
it a nonce: this page alone allows <style> elements (style-src-elem), a documented
compromise; scripts and style attributes stay as strict as everywhere.
"""

from __future__ import annotations

from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie


@login_required
@ensure_csrf_cookie
@csp_update({"style-src-elem": [SELF, UNSAFE_INLINE]})
def explorer(request):
    return render(request, "frontend/developers/explorer.html",
                  {"endpoint": reverse("graphql"), "active": "explorer"})

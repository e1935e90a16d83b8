"""The language switch: Django's set_language, its redirect checked by yiban_core.redirects.

Django's view already falls back from an unsafe `next` to the Referer and then to
"/", but with its own check; the target it settles on goes through ours too.
"""

from django.http import HttpResponseRedirect
from django.views import i18n

from yiban_core.redirects import safe_redirect


def set_language(request):
    response = i18n.set_language(request)
    if isinstance(response, HttpResponseRedirect):
        response["Location"] = safe_redirect(request, response["Location"], "/")
    return response

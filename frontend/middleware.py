"""Requests carrying a NUL character are refused before any view runs (yiban_core/nul.py
says why): a page with the message, JSON for JSON clients, a GraphQL error on /graphql."""

from __future__ import annotations

from django.http import JsonResponse
from django.urls import reverse

from frontend.errors import error_page
from yiban_core.errors import Invalid
from yiban_core.nul import contains_unstorable, unstorable_message

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


class RefuseNulMiddleware:
    """Checks the path, the query string and form bodies. Runs as a view hook, after
    CSRF's, which reads form bodies anyway; upload views that must limit a body
    before it is read (`reads_own_body`) are left to their forms, which refuse NUL too."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        suspects = [request.path, list(request.GET.lists())]
        if (request.method == "POST" and request.content_type in FORM_TYPES
                and not getattr(view_func, "reads_own_body", False)):
            suspects.append(list(request.POST.lists()))
        if not contains_unstorable(suspects):
            return None
        message = unstorable_message()
        if request.path == reverse("graphql"):
            return JsonResponse({"errors": [{"message": message,
                                             "extensions": {"code": "INVALID"}}]}, status=400)
        if "application/json" in request.headers.get("Accept", ""):
            return JsonResponse({"code": "INVALID", "message": message, "field": None},
                                status=400)
        return error_page(request, Invalid(message))

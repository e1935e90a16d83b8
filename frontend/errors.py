"""The one place a DomainError becomes something a person sees on a page.

Services and selectors raise DomainError (yiban_core/errors.py). A view either
hands it to show_error() (a form field error when the error names a field of
the form, otherwise an error on the form or a flash message), or lets it escape
and the @domain_errors decorator renders a page with the message and a status
that fits its code. Never a 500, never a stack trace.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.shortcuts import render
from django.utils.translation import gettext as _

from yiban_core.errors import DomainError, NotAuthenticated, RateLimited

STATUS_BY_CODE = {
    "PERMISSION_DENIED": 403,
    "UNAUTHENTICATED": 401,
    "NOT_FOUND": 404,
    "INVALID": 400,
    "CONFLICT": 409,
    "RATE_LIMITED": 429,
}


def show_error(
    request, error: DomainError, form: forms.Form | None = None,
    field_map: dict[str, str] | None = None,
) -> None:
    """Attach a domain error to the form field it names, else to the form, else as a message."""
    if error.after_rollback is not None:
        error.after_rollback()
    field = (field_map or {}).get(error.field, error.field) if error.field else None
    if form is not None:
        if field and field in form.fields:
            form.add_error(field, error.message)
        else:
            form.add_error(None, error.message)
    else:
        messages.error(request, error.message)


def error_page(request, error: DomainError):
    if error.after_rollback is not None:
        error.after_rollback()
    if isinstance(error, NotAuthenticated):
        return redirect_to_login(request.get_full_path())
    status = STATUS_BY_CODE.get(error.code, 400)
    titles = {
        403: _("没有权限"), 404: _("找不到页面"), 409: _("操作冲突"), 429: _("操作太频繁"),
    }
    response = render(
        request, "frontend/error.html",
        {"error": error, "title": titles.get(status, _("出错了"))},
        status=status,
    )
    return retry_later(response, error)


def retry_later(response, error: DomainError | None):
    """A refusal for going too fast answers 429 with Retry-After, whatever page shows it
    (the message itself says how long to wait)."""
    if isinstance(error, RateLimited):
        response.status_code = 429
        response["Retry-After"] = str(error.retry_after)
    return response


def domain_errors(view: Callable) -> Callable:
    """A DomainError that escapes a view becomes a page with the message, not a 500."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except DomainError as error:
            return error_page(request, error)

    return wrapper


def perform(request, action: Callable[[], object], *, success: str | None, next_url: str):
    """Run a one-button action (follow, approve, ban...): a message either way, then redirect."""
    from django.shortcuts import redirect

    try:
        action()
    except RateLimited as error:
        return error_page(request, error)
    except DomainError as error:
        show_error(request, error)
    else:
        if success:
            messages.success(request, success)
    return redirect(next_url)

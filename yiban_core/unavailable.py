"""When the database cannot be reached: 503 with Retry-After, quickly, not a 500.

The pool gives up on a connection after DB_POOL_TIMEOUT (2 s) and a connection
attempt after DB_CONNECT_TIMEOUT (settings.py). Django turns the error that
follows, raised by a view, reaches this middleware's `process_exception`; raised
by another middleware (reading the session, say), Django turns it into a 500
and its `got_request_exception` signal marks the request for this middleware,
near the outside of the stack. Either way the answer is a page or, for /graphql
and JSON clients, a JSON error that asks to come back shortly. Nothing here touches
the database and nothing is remembered: the next request tries the pool again,
so the site recovers when the database does.
"""

from __future__ import annotations

import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template import loader
from django.utils.translation import gettext as _
from psycopg_pool import PoolTimeout

RETRY_AFTER_S = 10
_MARK = "_database_unavailable"


class Overloaded(Exception):
    """More work queued in this process than it takes on (the password hashing gate,
    yiban_core/accounts/hashers.py): answered like an unreachable database."""


def is_unavailable(error: BaseException | None) -> bool:
    """A database out of reach or a full queue, not a bad query (that is a bug: 500)."""
    while error is not None:
        if isinstance(error, OperationalError | InterfaceError | PoolTimeout | Overloaded):
            return True
        error = error.__cause__
    return False


def _mark(sender, request=None, **kwargs) -> None:
    error = sys.exc_info()[1]
    if request is not None and is_unavailable(error):
        setattr(request, _MARK, error)


def _overloaded(error: BaseException | None) -> bool:
    while error is not None and not isinstance(error, Overloaded):
        error = error.__cause__
    return error is not None


def unavailable_response(request, error: BaseException | None = None) -> HttpResponse:
    message = (_("登录的人太多了，请稍后再试") if _overloaded(error)
               else _("数据库暂时不可用，请稍后再试"))
    if request.path.startswith("/graphql") or "json" in request.headers.get("Accept", ""):
        response = JsonResponse(
            {"errors": [{"message": message,
                         "extensions": {"code": "UNAVAILABLE", "retryAfter": RETRY_AFTER_S}}]},
            status=503)
    else:
        # A template of its own: the site's base would ask the database for the user.
        html = loader.render_to_string("frontend/unavailable.html", {"message": message})
        response = HttpResponse(html, status=503)
    response["Retry-After"] = str(RETRY_AFTER_S)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_mark, dispatch_uid="yiban_database_unavailable")

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, _MARK, None)
        if error is not None:
            return unavailable_response(request, error)
        return response

    def process_exception(self, request, exception):
        # Raised by a view: answer now, before Django builds an error page (with
        # DEBUG on that page evaluates querysets, each waiting for the pool again).
        if is_unavailable(exception):
            return unavailable_response(request, exception)
        return None

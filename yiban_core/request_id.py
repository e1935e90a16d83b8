"""A request id on every log line of a request, and of the tasks the request enqueued.

The id comes from the client's (or the proxy's) `X-Request-ID` when it looks sane, else a
fresh one; it goes back in the response header. It lives in a context variable, which a
logging filter (yiban_core.logs) copies onto each record. A task enqueued during the request
carries the id next to its arguments in the queue's row (not as an argument: task
signatures stay as they are), and the worker sets it while the task runs.
"""

from __future__ import annotations

import contextvars
import re
import uuid

HEADER = "X-Request-ID"
_SANE = re.compile(r"[A-Za-z0-9._:-]{1,128}")

current: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)


def get() -> str | None:
    return current.get()


def sane(value: str | None) -> str | None:
    """The client's id if it can go into a log line and a header as it is."""
    return value if value and _SANE.fullmatch(value) else None


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = sane(request.headers.get(HEADER)) or uuid.uuid4().hex
        request.request_id = request_id
        # Cleared when the response is closed (request_finished), not here: Django logs
        # 4xx and 5xx responses after the middleware returns.
        current.set(request_id)
        response = self.get_response(request)
        response[HEADER] = request_id
        return response


def _request_finished(sender, **kwargs):
    current.set(None)


def _stamp_enqueued_task(sender, instance, raw=False, **kwargs):
    request_id = current.get()
    if raw or not request_id or not instance._state.adding:
        return
    if isinstance(instance.args_kwargs, dict):
        instance.args_kwargs = {**instance.args_kwargs, "request_id": request_id}


_task_tokens: dict[str, contextvars.Token] = {}


def _task_started(sender, task_result, **kwargs):
    db_result = getattr(task_result, "db_result", None)
    stored = db_result.args_kwargs if db_result is not None else None
    request_id = sane(stored.get("request_id")) if isinstance(stored, dict) else None
    _task_tokens[str(task_result.id)] = current.set(request_id)


def _task_finished(sender, task_result, **kwargs):
    token = _task_tokens.pop(str(task_result.id), None)
    if token is not None:
        try:
            current.reset(token)
        except ValueError:  # set in another context: just clear it
            current.set(None)


def connect_task_signals() -> None:
    """Called once the apps are ready (yiban_core.apps), in web processes and workers."""
    from django.core.signals import request_finished
    from django.db.models.signals import pre_save
    from django_tasks.signals import log_task_started, task_finished, task_started
    from django_tasks_db.models import DBTaskResult

    pre_save.connect(_stamp_enqueued_task, sender=DBTaskResult,
                     dispatch_uid="request_id_stamp")
    request_finished.connect(_request_finished, dispatch_uid="request_id_finished")
    # Ours before django-tasks' own "Task ... RUNNING" line, so that line carries the id too.
    task_started.disconnect(log_task_started)
    task_started.connect(_task_started, dispatch_uid="request_id_task_started")
    task_started.connect(log_task_started)
    task_finished.connect(_task_finished, dispatch_uid="request_id_task_finished")

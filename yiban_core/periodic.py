"""Periodic tasks: registered once (an AppConfig.ready), enqueued by the workers when due.

A task is due when none of it was enqueued within its interval (queued, running or done):
every worker looks at start and then every CHECK_EVERY_S, so two workers may both enqueue
one (periodic tasks are idempotent) and a worker that dies never stops the schedule.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

CHECK_EVERY_S = 600.0

_registry: dict[str, tuple[object, timedelta]] = {}


def register(task, *, every: timedelta) -> None:
    _registry[task.module_path] = (task, every)


def registered() -> dict[str, tuple[object, timedelta]]:
    return dict(_registry)


def enqueue_due(backend_name: str) -> list[str]:
    """Enqueue each registered task not enqueued within its interval; their paths."""
    now = timezone.now()
    enqueued = []
    for path, (task, every) in _registry.items():
        recent = DBTaskResult.objects.filter(backend_name=backend_name, task_path=path,
                                             enqueued_at__gt=now - every)
        if not recent.exists():
            task.enqueue()
            enqueued.append(path)
    return enqueued

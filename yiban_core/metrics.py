"""Prometheus metrics (prometheus-client), scraped at /metrics (yiban_core.health).

- request latency by view (route name) and status class, and server errors;
- the task queue's depth and the age of its oldest waiting task, read from
  django-tasks-db's table when scraped;
- open websocket connections (realtime.consumers);
- Redis fallbacks: each time Redis failed and the database answered instead
  (`redis_fallback("timeline")`).

Several daphne processes: set PROMETHEUS_MULTIPROC_DIR to an empty folder, the same for
every process, before they start (prometheus-client's multiprocess mode); /metrics then
sums what every process wrote there. Empty the folder when the processes restart.
"""

from __future__ import annotations

import logging
import os
import time

from django.utils import timezone
from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

REQUEST_LATENCY = Histogram(
    "yiban_http_request_duration_seconds", "Time to answer a request, by view and status class",
    ["view", "status"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
REQUEST_ERRORS = Counter(
    "yiban_http_errors_total", "Requests answered with a server error (5xx), by view", ["view"])
WEBSOCKETS = Gauge(
    "yiban_websocket_connections", "Open websocket connections", multiprocess_mode="livesum")
REDIS_FALLBACKS = Counter(
    "yiban_redis_fallbacks_total", "Reads or writes that fell back to the database because "
    "Redis failed, by what was being done", ["what"])


def redis_fallback(what: str) -> None:
    """Count one fallback to the database; `what` is a short fixed name, never user input."""
    REDIS_FALLBACKS.labels(what=what).inc()


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


class MetricsMiddleware:
    """Times every request that reaches Django's handler. The view label is the route's
    name, so that the number of series stays bounded whatever paths clients ask for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match._func_path) if match else "unmatched"
        REQUEST_LATENCY.labels(view=view, status=f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started)
        if response.status_code >= 500:
            REQUEST_ERRORS.labels(view=view).inc()
        return response


def queue_figures() -> dict:
    """Tasks due now and not yet taken by a worker, and when the oldest was enqueued."""
    from django.db.models import Count, Min
    from django_tasks_db.models import DBTaskResult

    return DBTaskResult.objects.ready().aggregate(depth=Count("id"), oldest=Min("enqueued_at"))


class TaskQueueCollector:
    """Read at scrape time, from the database every worker shares."""

    def describe(self):
        return [GaugeMetricFamily("yiban_task_queue_depth", ""),
                GaugeMetricFamily("yiban_task_queue_oldest_age_seconds", "")]

    def collect(self):
        try:
            figures = queue_figures()
        except Exception:  # the database is down: /readyz says so; no figures this time
            log.warning("task queue figures unavailable", exc_info=True)
            return
        depth = GaugeMetricFamily("yiban_task_queue_depth", "Tasks due and waiting for a worker")
        depth.add_metric([], figures["depth"])
        yield depth
        age = GaugeMetricFamily("yiban_task_queue_oldest_age_seconds",
                                "Seconds the oldest due task has waited (0 when none waits)")
        oldest = figures["oldest"]
        age.add_metric([], (timezone.now() - oldest).total_seconds() if oldest else 0.0)
        yield age


_queue_registry = CollectorRegistry()
_queue_registry.register(TaskQueueCollector())


def exposition() -> bytes:
    """The text the scraper reads: this process's metrics (or every process's, in
    multiprocess mode) and the queue's figures."""
    if multiprocess_mode():
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return generate_latest(registry) + generate_latest(_queue_registry)

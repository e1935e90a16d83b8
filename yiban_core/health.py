"""Probes for load balancers, and the metrics scrape.

They are answered by a middleware at the top of the stack, before host checks, the HTTPS
redirect, sessions, CSRF and rate limits: a load balancer probes over plain http, by IP
address, many times a second, with no cookies.

- /healthz: the process is alive and answering. No database, no Redis.
- /readyz: the database answers (200), else 503 with Retry-After. Redis and the task queue
  are reported in the JSON body but not required: the site works without them, slower.
- /metrics: Prometheus text (yiban_core.metrics), only for clients in METRICS_ALLOWED_IPS
  that came straight (no proxy header), or with `Authorization: Bearer <METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from django.conf import settings
from django.db import connections
from django.http import HttpResponse, JsonResponse
from django.utils import timezone

from yiban_core import metrics
from yiban_core.redis import redis_client

log = logging.getLogger(__name__)

RETRY_AFTER_S = 5
PROXY_HEADERS = ("HTTP_X_FORWARDED_FOR", "HTTP_FORWARDED", "HTTP_X_REAL_IP")


def check_database(alias: str) -> dict:
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as error:  # any failure to reach it means "not ready"
        log.warning("readiness: database %s unreachable: %s", alias, error)
        return {"ok": False, "error": type(error).__name__}


def check_redis() -> dict:
    client = redis_client()
    if client is None:
        return {"ok": None, "configured": False}
    try:
        client.ping()
        return {"ok": True, "configured": True}
    except Exception as error:
        return {"ok": False, "configured": True, "error": type(error).__name__}


def check_queue() -> dict:
    try:
        figures = metrics.queue_figures()
    except Exception as error:
        return {"ok": False, "error": type(error).__name__}
    oldest = figures["oldest"]
    return {"ok": True, "depth": figures["depth"],
            "oldest_age_s": round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0}


def healthz(request) -> HttpResponse:
    return JsonResponse({"status": "ok"})


def readyz(request) -> HttpResponse:
    database = check_database(settings.READINESS_DATABASE)
    checks = {"database": database, "redis": check_redis(),
              "queue": check_queue() if database["ok"] else {"ok": False}}
    response = JsonResponse({"status": "ok" if database["ok"] else "unavailable",
                             "checks": checks}, status=200 if database["ok"] else 503)
    if not database["ok"]:
        response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def _allowed_address(request) -> bool:
    if any(request.META.get(header) for header in PROXY_HEADERS):
        return False  # came through a proxy: REMOTE_ADDR is the proxy's, not the client's
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(net, strict=False)
               for net in settings.METRICS_ALLOWED_IPS)


def _valid_token(request) -> bool:
    token = settings.METRICS_TOKEN
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), token.encode())


def metrics_view(request) -> HttpResponse:
    if not (_valid_token(request) or _allowed_address(request)):
        return HttpResponse("forbidden\n", status=403, content_type="text/plain")
    return HttpResponse(metrics.exposition(),
                        content_type="text/plain; version=0.0.4; charset=utf-8")


ROUTES = {"/healthz": healthz, "/readyz": readyz, "/metrics": metrics_view}


class ProbeMiddleware:
    """First in MIDDLEWARE: the probes skip everything after it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        view = ROUTES.get(request.path_info)
        if view is None or request.method not in ("GET", "HEAD"):
            return self.get_response(request)
        response = view(request)
        response["Cache-Control"] = "no-store"
        return response

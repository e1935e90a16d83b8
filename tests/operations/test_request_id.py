"""A request id in the response header, on the request's log lines and on its tasks'."""

import io
import json
import logging

import pytest
from django.core.management import call_command
from django.urls import reverse

from tests.factories import make_user
from yiban_core.logs import JsonFormatter, RequestIdFilter
from yiban_core.notifications.models import Notification

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def json_log():
    """What the production log handler writes (JSON lines, the request id filter)."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)

    def lines():
        return [json.loads(line) for line in stream.getvalue().splitlines()]

    yield lines
    root.removeHandler(handler)
    root.setLevel(level)


def test_a_request_gets_an_id_in_its_response(client):
    first = client.get(reverse("home"))
    second = client.get(reverse("home"))
    assert len(first["X-Request-ID"]) == 32
    assert first["X-Request-ID"] != second["X-Request-ID"]


def test_a_sane_client_id_is_kept_and_an_odd_one_replaced(client):
    kept = client.get(reverse("home"), HTTP_X_REQUEST_ID="lb-7f3a.42")
    assert kept["X-Request-ID"] == "lb-7f3a.42"
    odd = client.get(reverse("home"), HTTP_X_REQUEST_ID="<script>\u4e2d" + "x" * 200)
    assert odd["X-Request-ID"] != "<script>"
    assert len(odd["X-Request-ID"]) == 32


def test_the_request_id_reaches_log_lines_and_the_tasks_the_request_enqueued(
        client, json_log):
    fan, star = make_user(), make_user()
    client.force_login(fan)
    response = client.post(reverse("follow", args=[star.username]),
                           HTTP_X_REQUEST_ID="req-follow-1")
    assert response["X-Request-ID"] == "req-follow-1"
    logging.getLogger("tests").info("outside any request")
    # A log line written during the request (a 404 is logged by Django itself).
    client.get("/no/such/page", HTTP_X_REQUEST_ID="req-missing-2")

    # The worker delivers the follow notification, logging the task as it runs.
    worker_loggers = [logging.getLogger(name) for name in ("django_tasks", "django_tasks_db")]
    levels = [logger.level for logger in worker_loggers]
    try:
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=1)
    finally:
        for logger, level in zip(worker_loggers, levels, strict=True):
            logger.setLevel(level)
    assert Notification.objects.filter(recipient=star, actor=fan).exists()

    lines = json_log()
    assert any(line["request_id"] == "req-missing-2" and line["logger"] == "django.request"
               for line in lines)
    task_lines = [line for line in lines if line["logger"] == "django_tasks"
                  and "deliver_notifications" in line["message"]]
    assert len(task_lines) == 2  # started and finished
    assert all(line["request_id"] == "req-follow-1" for line in task_lines)
    outside = [line for line in lines if line["message"] == "outside any request"]
    assert outside[0]["request_id"] is None

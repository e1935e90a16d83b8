"""/metrics: Prometheus text for the scraper, never for the public."""

import pytest
from django.urls import reverse

from tests.factories import make_user
from yiban_core import metrics

pytestmark = pytest.mark.django_db


def test_metrics_are_refused_to_a_client_that_is_not_allowed(client):
    response = client.get("/metrics", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403
    assert b"yiban_" not in response.content


def test_metrics_are_refused_through_a_proxy_on_loopback(client):
    # nginx on the same host forwarding an outside client: REMOTE_ADDR is 127.0.0.1.
    response = client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert response.status_code == 403


def test_metrics_token(client, settings):
    settings.METRICS_TOKEN = "s3cret-scrape-token"
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outside).status_code == 403
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-scrape-token", **outside)
    assert response.status_code == 200


def test_no_token_configured_means_no_token_works(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", REMOTE_ADDR="203.0.113.9")
    assert response.status_code == 403


def test_loopback_reads_request_queue_websocket_and_redis_metrics(client):
    user = make_user()
    client.force_login(user)
    assert client.get(reverse("home")).status_code == 200
    metrics.redis_fallback("timeline_read")

    response = client.get("/metrics")  # the test client comes from 127.0.0.1
    assert response.status_code == 200
    text = response.content.decode()
    assert 'yiban_http_request_duration_seconds_count{status="2xx",view="home"}' in text
    assert "yiban_http_errors_total" in text
    assert "yiban_task_queue_depth " in text
    assert "yiban_task_queue_oldest_age_seconds " in text
    assert "yiban_websocket_connections " in text
    assert 'yiban_redis_fallbacks_total{what="timeline_read"}' in text


def test_unmatched_paths_share_one_series(client):
    client.get("/no/such/page/123")
    client.get("/another/missing/456")
    text = client.get("/metrics").content.decode()
    assert 'status="4xx",view="unmatched"' in text
    assert "no/such" not in text


def fallbacks() -> float:
    text = metrics.exposition().decode()
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith("yiban_redis_fallbacks_total{"))


def test_a_dead_redis_is_counted_as_fallbacks(client, settings):
    from tests.operations.test_probes import closed_port
    from yiban_core import redis as accelerator

    settings.ACCELERATOR_REDIS_URL = f"redis://127.0.0.1:{closed_port()}/0"
    accelerator._client.cache_clear()
    try:
        client.force_login(make_user())
        before = fallbacks()
        assert client.get(reverse("home")).status_code == 200  # from the database
        assert fallbacks() > before
    finally:
        accelerator._client.cache_clear()

"""/healthz and /readyz, as a load balancer probes them: plain http, any Host, no cookie."""

import socket

import dj_database_url
import pytest
from django.db import connections

pytestmark = pytest.mark.django_db


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # released on leaving: nothing listens there


@pytest.fixture
def unreachable_database(settings):
    """A second database alias pointing at a port where nothing listens."""
    alias = "unreachable"
    config = dj_database_url.parse(f"postgres://postgres@127.0.0.1:{closed_port()}/yiban")
    config.setdefault("OPTIONS", {})["connect_timeout"] = 2
    configured = connections.configure_settings({"default": {}, alias: config})
    connections.settings[alias] = configured[alias]
    settings.READINESS_DATABASE = alias
    yield alias
    connections[alias].close()
    del connections.settings[alias]
    if hasattr(connections._connections, alias):
        delattr(connections._connections, alias)


def test_healthz_answers_without_a_session_or_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz", HTTP_HOST="10.0.0.7")  # a probe by IP address
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "sessionid" not in response.cookies


def test_probes_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/readyz").status_code == 200
    assert client.get("/").status_code == 301  # the rest of the site still is


def test_readyz_reports_database_redis_and_queue(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert set(body["checks"]) == {"database", "redis", "queue"}
    assert body["checks"]["database"]["ok"] is True
    assert body["checks"]["queue"]["depth"] == 0


def test_readyz_says_503_when_the_database_is_unreachable(client, unreachable_database):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.json()
    assert body["status"] == "unavailable"
    assert body["checks"]["database"]["ok"] is False
    assert "Traceback" not in response.content.decode()


def test_probes_are_not_rate_limited(client):
    for _ in range(200):
        assert client.get("/healthz").status_code == 200

"""A database outage, for real: daphne on PostgreSQL through a TCP proxy the test cuts.

While the proxy forwards nothing, pages answer 503 with Retry-After and a page
that says so, /graphql a JSON error coded UNAVAILABLE, both within ~3 s (not the
pool's old 10 s, not a 500); when the proxy forwards again, the same process
serves again. The site runs on the PostgreSQL server of this machine (or of
DATABASE_URL) in a database of its own, whatever the suite's own database is.
"""

from __future__ import annotations

import json
import os
import secrets
import time
import urllib.error
import urllib.parse
import urllib.request

import dj_database_url
import psycopg
import pytest
from psycopg import sql

from tests.live_site import LiveSite
from tests.tcp_proxy import TcpProxy

pytestmark = pytest.mark.self_contained

SERVER = "postgres://postgres@127.0.0.1:5432/postgres"
GRAPHQL = "/graphql?" + urllib.parse.urlencode(
    {"query": "{ groups(first: 1) { edges { node { id } } } }"})


def server_params() -> dict:
    url = os.environ.get("DATABASE_URL", "")
    config = dj_database_url.parse(url if url.startswith("postgres") else SERVER)
    return {"host": config["HOST"] or "127.0.0.1", "port": int(config["PORT"] or 5432),
            "user": config["USER"] or "postgres", "password": config["PASSWORD"] or None}


def database_url(params: dict, port: int, name: str) -> str:
    password = f":{params['password']}" if params["password"] else ""
    return f"postgres://{params['user']}{password}@{params['host']}:{port}/{name}"


def create_database(params: dict, template: str, prefix: str) -> str:
    """A new database, a copy of the migrated `template` (conftest.py postgres_template)."""
    name = f"{prefix}_{secrets.token_hex(4)}"
    admin = {k: v for k, v in params.items() if v is not None}
    with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)))
    return name


@pytest.fixture
def outage_site(tmp_path, postgres_template):
    params = server_params()
    name = create_database(params, postgres_template, "yiban_outage")
    admin = {k: v for k, v in params.items() if v is not None}
    proxy = TcpProxy(params["host"], params["port"])
    site = None
    try:
        site = LiveSite(tmp_path / "unused.sqlite3")
        site.env.update(DATABASE_URL=database_url(params, proxy.port, name), REDIS_URL="",
                        ACCELERATOR_REDIS_URL="", DB_POOL_MIN="1")
        yield site.start_daphne(), proxy
    finally:
        if site is not None:
            site.stop()
        proxy.close()
        with psycopg.connect(dbname="postgres", autocommit=True, **admin) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                         .format(sql.Identifier(name)))


def fetch(port: int, path: str) -> tuple[int, dict, str, float]:
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}")
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            status, head, body = response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        status, head, body = error.code, dict(error.headers), error.read()
    return status, head, body.decode(), time.monotonic() - started


def test_outage_answers_503_quickly_and_the_site_recovers(outage_site):
    port, proxy = outage_site
    status, _, body, _ = fetch(port, "/groups/")
    assert status == 200, body
    status, _, body, _ = fetch(port, GRAPHQL)
    assert status == 200 and "errors" not in json.loads(body), body

    proxy.cut()
    status, headers, body, elapsed = fetch(port, "/groups/")
    assert status == 503, body
    assert int(headers["Retry-After"]) > 0
    assert "维护中" in body and "数据库暂时不可用" in body
    assert "Traceback" not in body and "psycopg" not in body
    assert elapsed < 3.5

    status, headers, body, elapsed = fetch(port, GRAPHQL)
    assert status == 503, body
    assert int(headers["Retry-After"]) > 0
    assert json.loads(body)["errors"][0]["extensions"]["code"] == "UNAVAILABLE"
    assert elapsed < 3.5

    proxy.resume()
    deadline = time.monotonic() + 15
    while True:  # the pool reconnects on its own: the same daphne process serves again
        status, _, body, _ = fetch(port, "/groups/")
        if status == 200 or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    assert status == 200, body
    status, _, body, _ = fetch(port, GRAPHQL)
    assert status == 200 and "errors" not in json.loads(body), body

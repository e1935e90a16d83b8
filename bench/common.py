"""What every benchmark shares: its own PostgreSQL database, percentiles, output."""

from __future__ import annotations

import math
import os
import secrets
import sys
from urllib.parse import urlsplit, urlunsplit


def say(line: str = "") -> None:
    print(line, flush=True)


def fail(message: str) -> None:
    print(f"{os.path.relpath(sys.argv[0])}: {message}", file=sys.stderr)
    sys.exit(2)


def server_params(url: str, *, measures: str, example: str = "yiban_bench") -> dict[str, str]:
    """Connection parameters of the PostgreSQL server DATABASE_URL names."""
    import dj_database_url

    if not url:
        fail("DATABASE_URL is not set; it must name a PostgreSQL server, e.g. "
             f"postgres://postgres@127.0.0.1:5432/{example}")
    config = dj_database_url.parse(url)
    if config["ENGINE"] != "django.db.backends.postgresql":
        fail(f"DATABASE_URL must be PostgreSQL (got {config['ENGINE']}); the benchmark "
             f"measures {measures}")
    params = {"host": config.get("HOST"), "port": config.get("PORT"),
              "user": config.get("USER"), "password": config.get("PASSWORD")}
    return {k: str(v) for k, v in params.items() if v}


def prepare_database(name: str, *, measures: str = "production's database", keep: bool = False
                     ) -> tuple[str, dict[str, str]]:
    """Drop and recreate database `name` on DATABASE_URL's server (with `keep`, only
    create it when it is not there); return its URL."""
    import psycopg
    from psycopg import sql

    url = os.environ.get("DATABASE_URL", "")
    params = server_params(url, measures=measures, example=name)
    last_error = None
    for maintenance in ("postgres", "template1"):
        try:
            with psycopg.connect(dbname=maintenance, autocommit=True, **params) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s",
                                      [name]).fetchone()
                if not (keep and exists):
                    conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                                 .format(sql.Identifier(name)))
                    conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            break
        except psycopg.OperationalError as error:
            last_error = error
    else:
        fail(f"cannot create database {name}: {last_error}")
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}")), params


def drop_database(name: str, params: dict[str, str]) -> None:
    import psycopg
    from django.db import connections
    from psycopg import sql

    connections.close_all()
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)")
                     .format(sql.Identifier(name)))


def production_env() -> dict[str, str]:
    """DEBUG off, as production runs; plain HTTP on loopback."""
    from jwcrypto import jwk

    key = jwk.JWK.generate(kty="RSA", size=2048).export_to_pem(private_key=True, password=None)
    return {"DEBUG": "0", "SECRET_KEY": secrets.token_urlsafe(50), "ALLOWED_HOSTS": "127.0.0.1",
            "SECURE_SSL_REDIRECT": "0", "OIDC_RSA_PRIVATE_KEY": key.decode()}


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def summary(values: list[float]) -> tuple[float, float]:
    """(p50, p95), rounded to hundredths."""
    return round(percentile(values, 50), 2), round(percentile(values, 95), 2)


def warm_group_timelines() -> int:
    """Build the Redis timelines of the groups merged at read time, as the worker does
    on their first read; returns how many."""
    from feeds.timeline_rebuild import merged_at_read_time, rebuild_group_timeline
    from yiban_core.groups.models import Group

    groups = [group for group in Group.objects.all() if merged_at_read_time(group)]
    for group in groups:
        rebuild_group_timeline.call(group_id=group.pk)
    return len(groups)

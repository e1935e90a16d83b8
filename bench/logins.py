"""A class logging in at 8:00: N simultaneous logins against daphne on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiban_login_bench \\
    .venv/bin/python bench/logins.py [--users 80] [--hash argon2|pbkdf2] [--pool-max 20]

It drops and recreates --db (default yiban_login_bench) on DATABASE_URL's server,
migrates it, creates --users students whose passwords are hashed as --hash says
(argon2: the site's hasher; pbkdf2: Django's default, as accounts made before it
hold), serves the site with one daphne process (DEBUG off, DB_POOL_MAX=--pool-max)
and posts every login form at once. Meanwhile one more client reads a list of groups from /graphql
(the database, no password) every 100 ms: the site must keep answering others while
a class logs in. Prints successes (302 to the home page), failures by status,
p50/p95/max seconds, the other page's answers, and a JSON line last. Needs no Redis.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/, whose graphql.py would shadow the library

from bench.common import (  # noqa: E402
    drop_database,
    prepare_database,
    production_env,
    say,
    summary,
)
from bench.graphql import start_daphne  # noqa: E402

PASSWORD = "class-of-2026-morning"
# What others read meanwhile: the database, no password, no template (the bench's
# site has no collected static files, which pages would need with DEBUG off).
OTHER_PAGE = "/graphql?" + urllib.parse.urlencode(
    {"query": "{ groups(first: 1) { edges { node { id } } } }"})


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def fetch(request: urllib.request.Request) -> tuple[int, float]:
    opener = urllib.request.build_opener(NoRedirect)
    started = time.perf_counter()
    try:
        with opener.open(request, timeout=120) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError:
        status = 0  # connection refused or timed out
    return status, time.perf_counter() - started


def login(port: int, username: str) -> tuple[int, float]:
    """The login form as a browser posts it: CSRF cookie and field."""
    token = secrets.token_hex(16)
    body = urllib.parse.urlencode({"username": username, "password": PASSWORD,
                                   "csrfmiddlewaretoken": token}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/login/", data=body, method="POST",
        headers={"Cookie": f"csrftoken={token}", "Referer": f"http://127.0.0.1:{port}/login/"})
    return fetch(request)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=80)
    parser.add_argument("--hash", choices=["argon2", "pbkdf2"], default="argon2")
    parser.add_argument("--pool-max", type=int, default=None,
                        help="DB_POOL_MAX of the daphne process (default: the site's)")
    parser.add_argument("--db", default="yiban_login_bench")
    args = parser.parse_args()

    bench_url, server = prepare_database(args.db, measures="logins on production's database")
    overrides = {"DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "yiban_core.settings",
                 "REDIS_URL": "", "ACCELERATOR_REDIS_URL": "", **production_env()}
    if args.pool_max:
        overrides["DB_POOL_MAX"] = str(args.pool_max)
    os.environ.update(overrides)
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password
    from django.core.management import call_command

    from yiban_core.accounts.models import User

    process = None
    try:
        call_command("migrate", verbosity=0, interactive=False)
        hasher = "pbkdf2_sha256" if args.hash == "pbkdf2" else "argon2"
        encoded = make_password(PASSWORD, hasher=hasher)
        User.objects.bulk_create(
            User(username=f"student{i:03d}", password=encoded) for i in range(args.users))
        pool = settings.DATABASES["default"]["OPTIONS"]["pool"]
        say(f"{args.users} simultaneous logins · passwords {hasher} · pool max "
            f"{pool['max_size']}, timeout {pool['timeout']} s · {os.cpu_count()} CPUs")
        process, port = start_daphne({**os.environ, **overrides, "PYTHONPATH": str(ROOT)})
        login(port, "student000")  # warm-up: the pool opens, the code loads

        results: list[tuple[int, float]] = []
        lock = threading.Lock()
        gate = threading.Barrier(args.users)

        def one(i: int) -> None:
            gate.wait()
            result = login(port, f"student{i:03d}")
            with lock:
                results.append(result)

        others: list[tuple[int, float]] = []
        done = threading.Event()

        def other_reader() -> None:
            while not done.is_set():
                others.append(fetch(urllib.request.Request(
                    f"http://127.0.0.1:{port}{OTHER_PAGE}")))
                done.wait(0.1)

        threads = [threading.Thread(target=one, args=(i,)) for i in range(args.users)]
        reader = threading.Thread(target=other_reader)
        started = time.perf_counter()
        reader.start()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        done.set()
        reader.join()
    finally:
        if process is not None:
            process.terminate()
            process.wait(timeout=15)
        drop_database(args.db, server)

    ok = [seconds for status, seconds in results if status == 302]
    failures: dict[str, int] = {}
    for status, _seconds in results:
        if status != 302:
            failures[str(status)] = failures.get(str(status), 0) + 1
    p50, p95 = summary([seconds for _status, seconds in results])
    say(f"successes {len(ok)}/{len(results)} · failures {failures or 'none'} · "
        f"p50 {p50} s · p95 {p95} s · max {max(s for _, s in results):.2f} s · all in {wall:.1f} s")
    other_ok = [seconds for status, seconds in others if status in (200, 302)]
    other_statuses: dict[str, int] = {}
    for status, _seconds in others:
        other_statuses[str(status)] = other_statuses.get(str(status), 0) + 1
    other_p50, other_p95 = summary([seconds for _status, seconds in others])
    say(f"meanwhile /graphql (groups): {len(other_ok)}/{len(others)} answered "
        f"({other_statuses}) · p50 {other_p50} s · p95 {other_p95} s")
    print(json.dumps({"bench": "logins", "users": args.users, "hash": hasher,
                      "pool_max": pool["max_size"], "pool_timeout_s": pool["timeout"],
                      "successes": len(ok), "failures": failures, "p50_s": p50, "p95_s": p95,
                      "max_s": round(max(s for _, s in results), 2), "wall_s": round(wall, 2),
                      "other_page_ok": len(other_ok), "other_page_requests": len(others),
                      "other_page_statuses": other_statuses,
                      "other_page_p50_s": other_p50, "other_page_p95_s": other_p95,
                      "cpus": os.cpu_count()}))


if __name__ == "__main__":
    main()

"""The open platform's GraphQL under load: what an app sees through /graphql with a
bearer token, served by daphne.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiban_gql_bench \\
    REDIS_URL=redis://127.0.0.1:6379/8 python bench/graphql.py [--users N] [--posts N]

Run from the repository root. It drops and recreates its own PostgreSQL
database (--db, default yiban_gql_bench), migrates it, builds a network
(bench/network.py), warms the Redis timelines of the users it samples, registers
a user app (tokens for the sampled users, scopes profile feed:read) and a school
app installed by one school (client credentials, school:roster), starts one
daphne process with DEBUG off on a loopback port, and measures over HTTP:

- the home timeline query (20 posts with authors, counters and groups) with a
  bearer token per user, from --clients concurrent keep-alive connections:
  requests per second and latency;
- a roster sync of 500 rows per request (syncUsers, then syncEnrolments into
  the school's sections, then the same enrolments again, which change nothing),
  one request at a time as a school system sends them.

SQL queries per request are counted in process (the same view, the same
request) because daphne's queries cannot be seen from here. Human-readable
lines first; the last line is one JSON object. Timings are printed, never
asserted.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import re
import secrets
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path, where this file
# would shadow the `graphql` package itself: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    drop_database,
    fail,
    prepare_database,
    production_env,
    say,
    summary,
    warm_group_timelines,
)

TIMELINE = """query($first: Int) {
  homeTimeline(first: $first) { edges { node {
    id text createdAt likeCount commentCount repostCount
    author { username displayName } group { name } } } }
}"""

SYNC = {
    "users": """mutation($rows: [UserRow!]!) { syncUsers(input: {rows: $rows}) {
      report { created updated removed unchanged rejected { index reason } }
      errors { code message } } }""",
    "enrolments": """mutation($rows: [EnrolmentRow!]!) { syncEnrolments(input: {rows: $rows}) {
      report { created updated removed unchanged rejected { index reason } }
      errors { code message } } }""",
    "sections": """mutation($rows: [SectionRow!]!) { syncSections(input: {rows: $rows}) {
      report { created updated removed unchanged rejected { index reason } }
      errors { code message } } }""",
    "terms": """mutation($rows: [TermRow!]!) { syncTerms(input: {rows: $rows}) {
      report { created rejected { index reason } } errors { code message } } }""",
    "courses": """mutation($rows: [CourseRow!]!) { syncCourses(input: {rows: $rows}) {
      report { created rejected { index reason } } errors { code message } } }""",
}
BATCH = 500


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=3000, help="users (default 3000)")
    p.add_argument("--posts", type=int, default=30_000, help="posts (default 30000)")
    p.add_argument("--sample", type=int, default=200, help="users with a token (default 200)")
    p.add_argument("--requests", type=int, default=2000,
                   help="home timeline requests (default 2000)")
    p.add_argument("--clients", type=int, default=4,
                   help="concurrent connections for the timeline (default 4)")
    p.add_argument("--batches", type=int, default=8,
                   help="500-row batches of each sync kind (default 8)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", default="yiban_gql_bench",
                   help="database to drop and recreate (default yiban_gql_bench)")
    p.add_argument("--keep", action="store_true", help="leave the database at the end")
    args = p.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*bench[a-z0-9_]*", args.db):
        fail(f"--db {args.db!r}: the name must be lowercase and contain 'bench' "
             "(it is dropped and recreated)")
    if not os.environ.get("REDIS_URL", "").startswith("redis"):
        fail("REDIS_URL is not set, e.g. REDIS_URL=redis://127.0.0.1:6379/8 "
             "(a Redis database of its own)")
    if args.users < 200 or args.posts < 1000 or args.sample < 10:
        fail("need at least --users 200, --posts 1000 and --sample 10")
    return args


class Connection:
    """One keep-alive HTTP connection to the site, as an app's HTTP client keeps."""

    def __init__(self, port: int):
        self.port = port
        self.http = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def graphql(self, token: str, query: str, **variables) -> tuple[float, dict, dict]:
        body = json.dumps({"query": query, "variables": variables})
        headers = {"Content-Type": "application/json", "Authorization": f"Bearer {token}"}
        started = time.perf_counter()
        try:
            self.http.request("POST", "/graphql", body, headers)
            response = self.http.getresponse()
        except (http.client.HTTPException, OSError):  # the server closed an idle connection
            self.http.close()
            self.http = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
            self.http.request("POST", "/graphql", body, headers)
            response = self.http.getresponse()
        payload = response.read()
        ms = (time.perf_counter() - started) * 1000
        if response.status != 200:
            fail(f"/graphql answered {response.status}: {payload[:300]!r}")
        data = json.loads(payload)
        if data.get("errors"):
            fail(f"/graphql errors: {data['errors'][:2]}")
        return ms, data["data"], dict(response.getheaders())


def start_daphne(env: dict[str, str]) -> tuple[subprocess.Popen, int]:
    from tests.live_site import free_port, wait_for_port

    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port),
         "yiban_core.asgi:application"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    wait_for_port(port, process, timeout=60)
    return process, port


def mint_token(application, *, user=None, scope: str) -> str:
    """A bearer token as the token endpoint stores it (hashed at rest)."""
    from datetime import timedelta

    from django.utils import timezone
    from oauth2_provider.models import AccessToken, set_token_value

    raw = secrets.token_urlsafe(30)
    token = AccessToken(application=application, user=user, scope=scope,
                        expires=timezone.now() + timedelta(hours=2))
    set_token_value(token, raw)
    token.save()
    return raw


def main() -> None:
    args = parse_args()
    bench_url, server = prepare_database(args.db)
    env_overrides = {"DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "yiban_core.settings",
                     **production_env()}
    os.environ.update(env_overrides)
    import django

    django.setup()

    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    from bench import network
    from feeds.timeline_rebuild import rebuild_home_timeline
    from openapi_plugins import services as platform
    from yiban_core.accounts.models import School, User
    from yiban_core.actor import Actor

    say(f"GraphQL benchmark · database {args.db} (dropped and recreated) · "
        f"Redis {os.environ['REDIS_URL']} · daphne, DEBUG off")
    say(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} · Python "
        f"{sys.version.split()[0]} · PostgreSQL {connection.pg_version}")
    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    say(f"migrate: {time.perf_counter() - t:.1f}s")

    t = time.perf_counter()
    net = network.build(users=args.users, posts=args.posts, seed=args.seed, log=say)
    say(f"network: {net.users:,} users, {net.posts:,} posts in {time.perf_counter() - t:.1f}s")

    # --- apps and tokens -------------------------------------------------------------------
    rng = random.Random(f"{args.seed}:graphql")
    sample = sorted(rng.sample(range(1, net.users + 1), min(args.sample, net.users)))
    for user_id in sample:  # active users: their Redis timeline is warm, as in production
        rebuild_home_timeline.call(user_id=user_id)
    warm_group_timelines()
    developer = User.objects.get(pk=sample[0])
    user_app, _secret = platform.register_app(
        actor=Actor.for_user(developer), name="基准测试应用", kind="user",
        scopes=["profile", "feed:read"], redirect_uris="https://bench.example.com/cb")
    tokens = [mint_token(user_app.application, user=User.objects.get(pk=u),
                         scope="profile feed:read") for u in sample]

    school = School.objects.order_by("pk").first()
    admin = User.objects.filter(school=school).order_by("pk").first()
    school.administrators.add(admin)
    school_app, _secret = platform.register_app(
        actor=Actor.for_user(developer), name="教务系统", kind="school",
        scopes=["school:roster"], school=school)
    platform.install_app(actor=Actor.for_user(admin), app=school_app, scopes=["school:roster"])
    school_token = mint_token(school_app.application, scope="school:roster")
    say(f"user app: {len(tokens)} tokens (profile feed:read) · school app installed by "
        f"{school.name}")

    env = {**{k: v for k, v in os.environ.items()}, **env_overrides,
           "PYTHONPATH": str(ROOT)}
    process, port = start_daphne(env)
    try:
        # --- home timeline -----------------------------------------------------------------
        Connection(port).graphql(tokens[0], TIMELINE, first=20)  # warm-up
        latencies: list[float] = []
        lock = threading.Lock()
        counter = iter(range(args.requests))

        def client() -> None:
            conn = Connection(port)
            for i in counter:
                ms, _data, _headers = conn.graphql(tokens[i % len(tokens)], TIMELINE, first=20)
                with lock:
                    latencies.append(ms)

        for token in tokens[:20]:
            Connection(port).graphql(token, TIMELINE, first=20)
        t = time.perf_counter()
        threads = [threading.Thread(target=client) for _ in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - t
        timeline_rps = round(len(latencies) / wall, 1)
        timeline_p50, timeline_p95 = summary(latencies)
        say(f"home timeline (20 posts), {len(latencies)} requests from {args.clients} "
            f"connections in {wall:.1f}s: {timeline_rps} requests/s · p50 {timeline_p50} ms · "
            f"p95 {timeline_p95} ms")

        # --- roster sync -----------------------------------------------------------------
        school_conn = Connection(port)
        school_conn.graphql(school_token, SYNC["terms"], rows=[
            {"sourcedId": "2026-fall", "title": "2026-2027学年第一学期", "type": "semester",
             "startDate": "2026-09-01", "endDate": "2027-01-20"}])
        school_conn.graphql(school_token, SYNC["courses"], rows=[
            {"sourcedId": f"c{i}", "title": f"课程{i}", "courseCode": f"C{i:03d}"}
            for i in range(20)])
        sections = [{"sourcedId": f"s{i}", "title": f"教学班{i}", "courseSourcedId": f"c{i % 20}",
                     "termSourcedIds": ["2026-fall"]} for i in range(40)]
        school_conn.graphql(school_token, SYNC["sections"], rows=sections)

        people = args.batches * BATCH
        user_rows = [{"sourcedId": f"u{n}", "role": "teacher" if n % 50 == 0 else "student",
                      "givenName": f"同学{n}", "familyName": "张", "identifier": f"2026{n:06d}"}
                     for n in range(people)]
        enrolment_rows = [{"sourcedId": f"e{n}", "classSourcedId": f"s{n % 40}",
                           "userSourcedId": f"u{n}",
                           "role": "teacher" if n % 50 == 0 else "student"}
                          for n in range(people)]

        def sync_series(kind: str, rows: list[dict]) -> tuple[list[float], dict]:
            times, totals = [], {"created": 0, "updated": 0, "removed": 0, "unchanged": 0,
                                 "rejected": 0}
            for start in range(0, len(rows), BATCH):
                ms, data, _headers = school_conn.graphql(
                    school_token, SYNC[kind], rows=rows[start:start + BATCH])
                payload = next(iter(data.values()))
                if payload["errors"]:
                    fail(f"sync {kind}: {payload['errors']}")
                report = payload["report"]
                for key in totals:
                    totals[key] += len(report[key]) if key == "rejected" else report[key]
                times.append(ms)
            return times, totals

        figures = {}
        for label, kind, rows in (("users_new", "users", user_rows),
                                  ("enrolments_new", "enrolments", enrolment_rows),
                                  ("enrolments_unchanged", "enrolments", enrolment_rows)):
            times, totals = sync_series(kind, rows)
            p50, p95 = summary(times)
            rows_per_s = round(len(rows) / (sum(times) / 1000))
            figures[label] = {"p50_ms": p50, "p95_ms": p95, "rows_per_s": rows_per_s,
                              "requests_per_s": round(len(times) / (sum(times) / 1000), 2),
                              **totals}
            say(f"roster sync {label}: {len(times)} requests of {BATCH} rows · p50 {p50} ms · "
                f"p95 {p95} ms · {rows_per_s} rows/s · {totals}")
    finally:
        process.terminate()
        process.wait(timeout=30)

    # --- SQL queries per request, in process --------------------------------------------------
    client = Client(SERVER_NAME="127.0.0.1")  # ALLOWED_HOSTS, as daphne was served

    def queries(token: str, query: str, **variables) -> int:
        counted = []

        def count(execute, sql, params, many, context):
            counted.append(1)
            return execute(sql, params, many, context)

        with connection.execute_wrapper(count):
            response = client.post("/graphql", json.dumps({"query": query,
                                                           "variables": variables}),
                                   content_type="application/json",
                                   headers={"authorization": f"Bearer {token}"})
        assert response.status_code == 200 and "errors" not in response.json(), response.content
        return len(counted)

    timeline_queries = queries(tokens[1], TIMELINE, first=20)
    timeline_queries_50 = queries(tokens[1], TIMELINE, first=50)
    more_users = [{**row, "sourcedId": f"x{row['sourcedId']}",
                   "identifier": f"9{row['identifier']}"} for row in user_rows[:BATCH]]
    sync_queries_new = queries(school_token, SYNC["users"], rows=more_users)
    sync_queries_unchanged = queries(school_token, SYNC["enrolments"],
                                     rows=enrolment_rows[:BATCH])
    say(f"SQL queries per request: home timeline {timeline_queries} (20 posts), "
        f"{timeline_queries_50} (50 posts) · syncUsers of 500 new rows {sync_queries_new} · "
        f"syncEnrolments of 500 unchanged rows {sync_queries_unchanged}")

    result = {
        "users": net.users, "posts": net.posts, "clients": args.clients,
        "timeline_requests_per_s": timeline_rps, "timeline_p50_ms": timeline_p50,
        "timeline_p95_ms": timeline_p95, "timeline_queries_per_request": timeline_queries,
        "timeline_queries_per_request_50": timeline_queries_50,
        "sync_500_rows": figures,
        "sync_queries_per_request_new_users": sync_queries_new,
        "sync_queries_per_request_unchanged_enrolments": sync_queries_unchanged,
        "load_average": round(os.getloadavg()[0], 2),
    }
    if args.keep:
        say(f"kept database {args.db}")
    else:
        drop_database(args.db, server)
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

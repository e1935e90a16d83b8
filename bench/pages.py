"""Whole pages through daphne: logged-in students reading the site, on the demo data.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiban_pages_bench \\
    REDIS_URL=redis://127.0.0.1:6379/2 \\
    .venv/bin/python bench/pages.py [--users 600] [--duration 10] [--quick] [--keep]

It drops and recreates --db on DATABASE_URL's server, migrates it, loads the demo
(manage.py seed_demo --users N; with --keep, a database kept by an earlier --keep run
is reused as it is), collects the static files into a temporary folder,
flushes the Redis database of REDIS_URL (give it one of its own), warms the home
and group timelines and builds the leaderboards (a worker's jobs: the bench runs none),
analyzes the tables (as autovacuum would), and serves the site with daphne
(DEBUG off, PostgreSQL, Redis; settings bench.pages_settings: the site's, GraphQL
rate budgets lifted). Each client is a demo student logged in once through the login
form (its own session cookie), who agrees to the policies on first sign-in; clients
loop over one page at a time with keep-alive connections, for --duration seconds per
page, at 8 and at 32 clients on one daphne process, then at 32 clients split between
two daphne processes. The anonymous login page is the floor, read three times in each
step (first, after the profile page, last): a page's ratio is over the median.
Queries per page are counted once per page in this process (Django's test client
under CaptureQueriesContext, the same URL read a second time, as a warm site reads it).
Last line JSON.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/, whose graphql.py would shadow the library

from bench.common import (  # noqa: E402
    drop_database,
    fail,
    prepare_database,
    production_env,
    say,
    summary,
)
from bench.graphql import start_daphne  # noqa: E402

HOME_TIMELINE = ("{ homeTimeline(first: 20) { edges { node { id text createdAt likeCount "
                 "commentCount viewerHasLiked author { username displayName } } } "
                 "pageInfo { endCursor } } }")
SEARCH = "/search/?q=" + quote("高等数学")


class Client:
    """One student's browser: a keep-alive connection and a session cookie."""

    def __init__(self, port: int):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None, *, anonymous: bool = False
                ) -> tuple[int, bytes]:
        headers = dict(headers or {})
        if self.cookies and not anonymous:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=headers)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                # The server closed the kept-alive connection: open another, once.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt == 2:
                    return 0, b""
        if not anonymous:
            for header, value in response.getheaders():
                if header.lower() == "set-cookie":
                    name, _, rest = value.partition("=")
                    self.cookies[name.strip()] = rest.split(";", 1)[0]
        return response.status, data

    def login(self, username: str, password: str) -> None:
        """The login form as a browser sends it: GET for the CSRF cookie and field, POST."""
        status, page = self.request("GET", "/login/")
        field = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', page)
        if status != 200 or field is None:
            fail(f"login page answered {status} without a CSRF field")
        body = (f"username={quote(username)}&password={quote(password)}"
                f"&csrfmiddlewaretoken={field.group(1).decode()}").encode()
        status, _ = self.request("POST", "/login/", body, {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.port}/login/"})
        if status != 302 or "sessionid" not in self.cookies:
            fail(f"login of {username} answered {status}")
        self.agree_to_policies()

    def agree_to_policies(self) -> None:
        """A first sign-in is sent to agree to the terms and the privacy policy: the
        student agrees on that page, as a person does, before reading the site."""
        status, page = self.request("GET", "/consent/")
        if status == 302:
            return  # agreed already
        form = re.search(rb'<form method="post" class="actions">(.*?)</form>', page, re.S)
        fields = dict(re.findall(rb'<input type="hidden" name="([^"]+)" value="([^"]*)"',
                                 form.group(1) if form else b""))
        if status != 200 or b"csrfmiddlewaretoken" not in fields:
            fail(f"the consent page answered {status} without its form")
        body = "&".join(f"{quote(k.decode())}={quote(v.decode())}" for k, v in fields.items())
        status, _ = self.request("POST", "/consent/", body.encode(), {
            "Content-Type": "application/x-www-form-urlencoded",
            "Referer": f"http://127.0.0.1:{self.port}/consent/"})
        if status != 302 or self.request("GET", "/consent/")[0] != 302:
            fail(f"agreeing to the policies answered {status}")

    def graphql_post(self) -> tuple[int, bytes]:
        """homeTimeline as the web UI posts it: session cookie and X-CSRFToken."""
        body = json.dumps({"query": HOME_TIMELINE}).encode()
        return self.request("POST", "/graphql", body, {
            "Content-Type": "application/json", "X-CSRFToken": self.cookies["csrftoken"]})


def page_request(client: Client, page: str, urls: dict[str, str]) -> tuple[int, bytes]:
    if page == "graphql":
        return client.graphql_post()
    if page == "home_gzip":  # the home page as a browser asks for it: compressed
        return client.request("GET", urls[page], headers={"Accept-Encoding": "gzip"})
    return client.request("GET", urls[page], anonymous=page == "login")


def drive(clients: list[tuple[Client, dict[str, str]]], page: str, seconds: float
          ) -> tuple[float, list[float], dict[int, int], float, int]:
    """Every client requests `page` in a loop for `seconds`: (requests/s, latencies,
    statuses, this client process's CPU over the wall time, bytes of the last answer)."""
    latencies: list[float] = []
    size = [0]
    statuses: dict[int, int] = {}
    lock = threading.Lock()
    start = threading.Barrier(len(clients) + 1)

    def loop(client: Client, urls: dict[str, str]) -> None:
        mine: list[float] = []
        codes: dict[int, int] = {}
        start.wait()
        deadline = time.perf_counter() + seconds
        while (began := time.perf_counter()) < deadline:
            status, body = page_request(client, page, urls)
            size[0] = len(body)
            mine.append(time.perf_counter() - began)
            codes[status] = codes.get(status, 0) + 1
        with lock:
            latencies.extend(mine)
            for code, n in codes.items():
                statuses[code] = statuses.get(code, 0) + n

    threads = [threading.Thread(target=loop, args=pair) for pair in clients]
    for thread in threads:
        thread.start()
    start.wait()
    began, cpu = time.perf_counter(), time.process_time()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    return (round(len(latencies) / wall, 1), latencies, statuses,
            (time.process_time() - cpu) / wall, size[0])


def student_pages(user, post_id: int) -> dict[str, str]:
    """The URLs one student reads: their first group, a profile they follow, a popular post."""
    from yiban_core.accounts.models import Follow
    from yiban_core.groups.models import Membership

    group_id = (Membership.objects.filter(user=user).order_by("group_id")
                .values_list("group_id", flat=True).first())
    followee = (Follow.objects.filter(follower=user).order_by("id")
                .values_list("followee__username", flat=True).first())
    return {"home": "/", "home_gzip": "/", "group": f"/groups/{group_id}/",
            "post": f"/posts/{post_id}/",
            "profile": f"/u/{quote(followee or user.username)}/", "search": SEARCH,
            "leaderboards": "/leaderboards/", "resources": "/resources/", "login": "/login/",
            "graphql": "/graphql"}


def count_queries(user, urls: dict[str, str]) -> dict[str, int]:
    """Queries of each page, read a second time by the test client (the site warm)."""
    from django.db import connection
    from django.test import Client as TestClient
    from django.test.utils import CaptureQueriesContext

    client = TestClient(HTTP_HOST="127.0.0.1")
    client.force_login(user)
    anonymous = TestClient(HTTP_HOST="127.0.0.1")
    counts = {}
    for page, url in urls.items():
        def read(page=page, url=url):
            if page == "graphql":
                return client.post(url, {"query": HOME_TIMELINE}, content_type="application/json")
            return (anonymous if page == "login" else client).get(url)

        read()
        with CaptureQueriesContext(connection) as captured:
            response = read()
        if response.status_code != 200 or (page == "graphql" and "errors" in response.json()):
            fail(f"{page} ({url}) answered {response.status_code} to the test client")
        counts[page] = len(captured)
    return counts


# The pages are read uncompressed (as this bench always has); home_gzip is the home page
# once more with Accept-Encoding: gzip, as browsers read it.
PAGES = ["login", "home", "home_gzip", "group", "post", "profile", "search", "leaderboards",
         "resources", "graphql"]
# The floor is read again mid-run and at the end: on a shared VM the stack's speed drifts
# by 15-20% over a run's minutes, and one login window made every ratio drift with it.
# A page's `_vs_floor` is over the median of the floor's windows; `_vs_first_floor` is
# over the first window alone, as this bench measured before.
FLOOR_AGAIN_AFTER = ("profile", "graphql")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=600, help="demo students (seed_demo)")
    parser.add_argument("--duration", type=float, default=10.0,
                        help="seconds per page and concurrency (default 10)")
    parser.add_argument("--quick", action="store_true", help="2 s per page: a smoke check")
    parser.add_argument("--db", default="yiban_pages_bench")
    parser.add_argument("--keep", action="store_true",
                        help="keep the database after the run, and reuse a kept one (with "
                             "its demo) instead of building it again")
    args = parser.parse_args()
    if "bench" not in args.db:
        fail("--db must contain 'bench': the benchmark drops and recreates it")
    seconds = 2.0 if args.quick else args.duration
    redis_url = os.environ.get("REDIS_URL", "")
    if not redis_url.startswith("redis"):
        fail("REDIS_URL is not set; give the benchmark a Redis database of its own, "
             "e.g. redis://127.0.0.1:6379/2 (it is flushed)")

    ran = time.perf_counter()
    bench_url, server = prepare_database(args.db, measures="pages on production's database",
                                         keep=args.keep)
    static_root = tempfile.mkdtemp(prefix="yiban-pages-static-")
    overrides = {"DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "bench.pages_settings",
                 "BENCH_STATIC_ROOT": static_root, "REDIS_URL": redis_url, "LOG_LEVEL": "WARNING",
                 **production_env()}
    os.environ.update(overrides)
    import django

    django.setup()
    import redis
    from django.core.management import call_command

    from bench.common import warm_group_timelines
    from feeds.models import Post
    from feeds.timeline_rebuild import rebuild_home_timeline
    from yiban_core.accounts.models import User
    from yiban_core.credits.boards import rebuild_all
    from yiban_core.demo import data

    redis.Redis.from_url(redis_url).flushdb()
    processes: list[subprocess.Popen] = []
    try:
        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)
        built = time.perf_counter()
        if args.keep and User.objects.filter(username=data.DEMO_STUDENT).exists():
            say(f"the kept database {args.db} and its demo are reused")
        else:
            call_command("seed_demo", users=args.users, verbosity=0,
                         stdout=open(os.devnull, "w"))
            say(f"demo of {args.users} students loaded in {time.perf_counter() - built:.0f} s")
        from django.db import connection

        with connection.cursor() as cursor:  # statistics, as autovacuum keeps them in production
            cursor.execute("ANALYZE")
        students = list(User.objects.filter(role=User.Role.STUDENT, is_active=True)
                        .order_by("id")[:32])
        if len(students) < 32:
            fail("the demo has fewer than 32 students")
        post_id = (Post.objects.filter(visibility="public", group__isnull=True)
                   .order_by("-like_count", "id").values_list("id", flat=True).first())
        for student in students:
            rebuild_home_timeline.call(user_id=student.pk)
        warm_group_timelines()
        rebuild_all()  # the leaderboards in Redis, as production's worker builds them
        student_urls = [student_pages(student, post_id) for student in students]
        queries = count_queries(students[0], student_urls[0])

        env = {**os.environ, **overrides, "PYTHONPATH": str(ROOT)}
        first, port = start_daphne(env)
        processes.append(first)
        second, port2 = start_daphne(env)
        processes.append(second)
        clients = []
        for i, (student, urls) in enumerate(zip(students, student_urls, strict=True)):
            client = Client(port if i % 2 == 0 else port2)
            client.login(student.username, data.DEMO_PASSWORD)
            clients.append((client, urls))
        on_first = [(Client(port), urls) for _, urls in clients]
        for (client, _), (mine, _) in zip(clients, on_first, strict=True):
            mine.cookies = dict(client.cookies)  # the same sessions, on the first process
        say(f"{len(clients)} students logged in · {os.cpu_count()} CPUs · one client process "
            f"(threads, keep-alive http.client) · {seconds:g} s per page and concurrency")
        for page in PAGES:  # warm: every client reads every page once, on both processes
            for pair in on_first + clients:
                page_request(pair[0], page, pair[1])

        result: dict[str, object] = {"bench": "pages", "users": args.users,
                                     "seconds_per_page": seconds, "cpus": os.cpu_count()}
        errors = 0
        error_statuses: dict[str, int] = {}
        client_cpu = 0.0  # the busiest run's share of a core used by this client process
        sizes: dict[str, float] = {}
        runs = [("", on_first[:8]), ("_32", on_first), ("_32_2proc", clients)]
        for suffix, group in runs:
            label = {"": "8 clients, 1 daphne", "_32": "32 clients, 1 daphne",
                     "_32_2proc": "32 clients, 2 daphnes"}[suffix]
            say(f"— {label}")
            measured, floors = {}, []
            for page in PAGES:
                rps, latencies, statuses, cpu, size = drive(group, page, seconds)
                client_cpu = max(client_cpu, cpu)
                sizes[page] = round(size / 1024, 1)
                measured[page] = (rps, *summary([s * 1000 for s in latencies]), statuses, cpu,
                                  size)
                if page == "login":
                    floors.append(rps)
                if page in FLOOR_AGAIN_AFTER:
                    floors.append(drive(group, "login", seconds)[0])
                for status, n in statuses.items():
                    if not 200 <= status < 300 and status != 429:
                        errors += n
                        key = f"{page}{suffix}:{status}"
                        error_statuses[key] = error_statuses.get(key, 0) + n
            floor, first = statistics.median(floors), floors[0]
            say(f"  the floor (login) in its {len(floors)} windows: "
                f"{', '.join(f'{rps:g}' for rps in floors)} req/s · median {floor:g}")
            result[f"login_rps_windows{suffix}"] = floors
            for page, (rps, p50, p95, statuses, cpu, size) in measured.items():
                result.update({f"{page}_rps{suffix}": rps, f"{page}_p50_ms{suffix}": p50,
                               f"{page}_p95_ms{suffix}": p95,
                               f"{page}_vs_floor{suffix}": round(rps / floor, 2),
                               f"{page}_vs_first_floor{suffix}": round(rps / first, 2)})
                limited = statuses.get(429, 0)
                say(f"  {page:<13} {rps:>7} req/s · p50 {p50:>8} ms · p95 {p95:>8} ms · "
                    f"{queries[page]:>3} queries · {size / 1024:.0f} KB · "
                    f"x{rps / floor:.2f} of the floor (x{rps / first:.2f} of its first window)"
                    f" · client CPU {cpu:.0%}" + (f" · {limited} rate-limited" if limited else ""))
        for page in PAGES:
            result[f"{page}_queries"] = queries[page]
            result[f"{page}_kb"] = sizes[page]
        result.update({"errors": errors, "client_processes": 1,
                       "client_cpu_max": round(client_cpu, 2), "error_statuses": error_statuses,
                       "loadavg": [round(x, 2) for x in os.getloadavg()],
                       "wall_s": round(time.perf_counter() - ran, 1)})
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=15)
        if not args.keep:
            drop_database(args.db, server)
        subprocess.run(["rm", "-rf", static_root], check=False)
    say(f"load average {os.getloadavg()[0]:.2f} · errors {errors} {error_statuses or ''}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()

"""People leaderboards benchmark: top-100 and "my rank" with Redis and with the database alone,
and the rate of point awards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiban_lb_bench \\
    REDIS_URL=redis://127.0.0.1:6379/10 python bench/leaderboards.py [--users N] [--rows N]

Run from the repository root. It drops and recreates its own PostgreSQL
database (--db, default yiban_lb_bench, on the server of DATABASE_URL; the
database named in DATABASE_URL itself is never used), migrates it, builds the
users, schools and groups of bench/network.py (no follows, no posts), writes a
points ledger with COPY (credits.PointEntry: realistic rules, daily caps, keys
and reversals over the last --days days, heavy-tailed activity) with the
PointBalance rows it implies, rebuilds the Redis boards with boards.rebuild()
(timed), then measures, for each window (day, week, month, all) and scope (the
site, the largest school; and the largest group, for all and week, whose own
Redis boards are built with boards.rebuild_groups() (timed)):

- top-100 (boards.top(count=100)) with Redis and with the database alone;
- "my rank" (boards.rank_of) for users sampled over the whole ranking (and a
  few without points), with Redis and with the database alone;
- that both paths give the same top-100 and the same ranks;
- a group member's rank also as it was read before groups had boards of their own
  (the site board's ZMSCORE for every member, sorted in Python; groups above 2,000
  members went to the database instead, the "rank db" column), beside the new figure;
- point awards per second: services.award() with distinct keys, one after the
  other in this process, the Redis board update (on commit) included; then
  again that Redis and the database give the same top-100 on every board.

Human-readable lines first; the last line is one JSON object. Timings are
printed, never asserted. The database path's slow queries are shown with
EXPLAIN ANALYZE (--explain).
"""

from __future__ import annotations

import argparse
import bisect
import gc
import itertools
import json
import os
import random
import re
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path, where bench/graphql.py would
# shadow the `graphql` package: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import drop_database, fail, percentile, prepare_database, say  # noqa: E402

STARTED = time.perf_counter()
WINDOW_ORDER = ("all", "month", "week", "day")
GROUP_WINDOWS = ("all", "week")  # a group's board costs the same in every window: two suffice

# What earns points on the site, per role (weights of the events a user causes or receives).
RULE_MIX = {
    "student": {"daily_checkin": 22, "post_published": 18, "like_received": 35,
                "resource_shared": 3, "resource_rated": 4, "resource_downloaded": 10,
                "review_written": 8},
    "teacher": {"daily_checkin": 15, "post_published": 10, "like_received": 20,
                "resource_shared": 12, "resource_rated": 15, "resource_downloaded": 28},
    "staff": {"daily_checkin": 30, "post_published": 40, "like_received": 30},
}
DORMANT = {"student": 0.22, "teacher": 0.15, "staff": 0.0}  # earned nothing in the window
REVERSED_SHARE = 0.02  # posts and resources deleted later: their award is reversed
# Local hour of day (Asia/Shanghai): quiet at night, busy in the evening.
HOURS = (2, 1, 0.5, 0.3, 0.3, 0.5, 2, 5, 7, 7, 7, 7, 8, 6, 6, 6, 6, 6, 7, 8, 9, 9, 8, 5)
OLD_CONTENT = 2_000_000  # ids of posts/resources from before the window


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=100_000, help="users (default 100000)")
    p.add_argument("--rows", type=int, default=1_000_000,
                   help="ledger rows (default 1000000)")
    p.add_argument("--days", type=int, default=60, help="days of ledger, up to now (default 60)")
    p.add_argument("--sample", type=int, default=300,
                   help="users whose rank is timed, and top-100 repetitions (default 300)")
    p.add_argument("--db-seconds", type=float, default=4.0,
                   help="time budget of each database-path series; at least 12 samples are "
                        "taken whatever it costs (default 4)")
    p.add_argument("--awards", type=int, default=3000, help="awards timed (default 3000)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", default="yiban_lb_bench",
                   help="database to drop and recreate (default yiban_lb_bench)")
    p.add_argument("--explain", action="store_true",
                   help="print EXPLAIN ANALYZE of the database path's queries")
    p.add_argument("--keep", action="store_true",
                   help="leave the database and the Redis boards at the end")
    args = p.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*bench[a-z0-9_]*", args.db):
        fail(f"--db {args.db!r}: the name must be lowercase and contain 'bench' "
             "(it is dropped and recreated)")
    if args.users < 1000 or args.rows < 1000 or args.sample < 20 or not 2 <= args.days <= 365:
        fail("need at least --users 1000, --rows 1000, --sample 20 and --days 2..365")
    return args


# --- environment and database ----------------------------------------------------------


def clear_redis() -> int:
    """Drop the people boards a previous run may have left (and their rebuild staging keys)."""
    import redis
    from django.conf import settings

    client = redis.Redis.from_url(settings.ACCELERATOR_REDIS_URL)
    removed, batch = 0, []
    for key in client.scan_iter(match="yb:lb:people:*", count=1000):
        batch.append(key)
        if len(batch) == 1000:
            removed += client.delete(*batch)
            batch = []
    if batch:
        removed += client.delete(*batch)
    return removed


# --- the ledger -------------------------------------------------------------------------


class Ledger:
    """Point entries over the last `days` local days up to now, planned in memory.

    Every user has an activity weight (heavy-tailed: Pareto, raised to a power
    so a few users earn on most days and many only now and then) or is dormant;
    each event is an award by a rule of the role's mix, paid within the rule's
    daily cap exactly as services.award() would (an event past the cap pays
    nothing and is not a row), with the idempotency key the apps use. About 2 %
    of published posts and shared resources are deleted on a later day, and a
    reversing row (negative, `reverses` set, key "reverse:...") follows.
    Ids are in time order. `balance` is the sum per user: PointBalance.
    """

    def __init__(self, *, net, activity: list[float], rows: int, days: int, now, seed: int,
                 content_types: dict[str, int]):
        from django.utils import timezone

        from yiban_core.credits.rules import RULES

        self.rng = rng = random.Random(f"{seed}:ledger")
        self.rows: list[tuple] = []
        self.balance: Counter = Counter()
        self.stats: Counter = Counter()
        self.now = now
        local_now = timezone.localtime(now)
        today = local_now.replace(hour=0, minute=0, second=0, microsecond=0)
        self.first_day = today - timedelta(days=days - 1)
        elapsed_h = (local_now - today).total_seconds() / 3600
        hours_cum = list(itertools.accumulate(HOURS))
        today_share = (sum(HOURS[:int(elapsed_h)])
                       + HOURS[int(elapsed_h)] * (elapsed_h - int(elapsed_h))) / hours_cum[-1]
        day_weights = []
        for k in range(days):
            day = self.first_day + timedelta(days=k)
            w = (0.75 if day.weekday() == 5 else 0.8 if day.weekday() == 6 else 1.0)
            w *= 0.85 + 0.3 * k / max(days - 1, 1)  # busier toward the exams
            day_weights.append(w * (today_share if k == days - 1 else 1.0))
        total_w = sum(day_weights)

        users, weights = [], []
        for uid in range(1, net.users + 1):
            role = net.role_of[uid]
            if rng.random() < DORMANT.get(role, 0.2):
                continue
            users.append(uid)
            weights.append(min(activity[uid] ** 1.3, 2000.0))
        cum = list(itertools.accumulate(weights))
        mixes = {role: (list(mix), list(itertools.accumulate(mix.values())))
                 for role, mix in RULE_MIX.items()}
        specs = {code: (r.points, r.daily_cap) for code, r in RULES.items()}
        post_type, resource_type = content_types["post"], content_types["resource"]
        counters = Counter(post=OLD_CONTENT, resource=OLD_CONTENT // 20, rating=OLD_CONTENT // 4)
        own_posts: dict[int, list[int]] = defaultdict(list)
        own_resources: dict[int, list[int]] = defaultdict(list)
        seen: set[str] = set()
        pending: dict[int, list[list]] = defaultdict(list)  # day -> reversals due that day
        next_id = 1
        planned = 0
        for k in range(days):
            day = self.first_day + timedelta(days=k)
            last = k == days - 1
            reversals = pending.pop(k, [])
            wanted = round(rows * sum(day_weights[:k + 1]) / total_w) - planned - len(reversals)
            if last:
                wanted = rows - planned - len(reversals)
            planned += len(reversals)
            earned: Counter = Counter()
            events: list[list] = list(reversals)
            attempts = 0
            made = 0
            while made < wanted and attempts < wanted * 4 + 100:
                attempts += 1
                uid = users[bisect.bisect(cum, rng.random() * cum[-1])]
                codes, rule_cum = mixes[net.role_of[uid]]
                rule = codes[bisect.bisect(rule_cum, rng.random() * rule_cum[-1])]
                points, cap = specs[rule]
                if cap is not None:
                    points = min(points, cap - earned[(uid, rule)])
                    if points <= 0:
                        self.stats["capped"] += 1
                        continue
                if last:
                    span = elapsed_h * 3600
                    at = day + timedelta(seconds=rng.random() * span)
                else:
                    hour = bisect.bisect(hours_cum, rng.random() * hours_cum[-1])
                    at = day + timedelta(hours=hour, seconds=rng.random() * 3600)
                source_type = source_id = None
                reversible = False
                if rule == "daily_checkin":
                    key = f"{uid}:{day.date().isoformat()}"
                elif rule == "post_published":
                    counters["post"] += 1
                    source_type, source_id = post_type, counters["post"]
                    key = str(source_id)
                    own_posts[uid].append(source_id)
                    reversible = True
                elif rule == "like_received":
                    mine = own_posts.get(uid)
                    post = (rng.choice(mine[-8:]) if mine and rng.random() < 0.8
                            else rng.randint(1, OLD_CONTENT))
                    source_type, source_id = post_type, post
                    key = f"{post}:{rng.randint(1, net.users)}"
                elif rule == "resource_shared":
                    counters["resource"] += 1
                    source_type, source_id = resource_type, counters["resource"]
                    key = str(source_id)
                    own_resources[uid].append(source_id)
                    reversible = True
                elif rule in ("resource_rated", "resource_downloaded"):
                    mine = own_resources.get(uid)
                    resource = (rng.choice(mine[-8:]) if mine and rng.random() < 0.7
                                else rng.randint(1, OLD_CONTENT // 20))
                    source_type, source_id = resource_type, resource
                    key = f"{resource}:{rng.randint(1, net.users)}"
                    if rule == "resource_downloaded":
                        key += f":{day.date().isoformat()}"
                else:  # review_written
                    counters["rating"] += 1
                    source_type, source_id = resource_type, rng.randint(1, OLD_CONTENT // 20)
                    key = str(counters["rating"])
                key = f"{rule}:{key}"
                if key in seen:
                    continue
                seen.add(key)
                if cap is not None:
                    earned[(uid, rule)] += points
                events.append([at, uid, points, rule, key, source_type, source_id, None,
                               reversible])
                made += 1
            planned += made
            events.sort(key=lambda e: e[0])
            for event in events:
                at, uid, points, rule, key, source_type, source_id, reverses, reversible = event
                self.rows.append((next_id, uid, points, rule, key, source_type, source_id,
                                  reverses, at))
                self.balance[uid] += points
                self.stats["reversals" if reverses else rule] += 1
                if reversible and rng.random() < REVERSED_SHARE:
                    due = k + rng.randint(1, 6)
                    if due < days - 1 or (due == days - 1 and elapsed_h > 0.1):
                        back_at = (self.first_day + timedelta(days=due)
                                   + timedelta(seconds=rng.random() * (
                                       elapsed_h * 3600 if due == days - 1 else 86400)))
                        pending[due].append([back_at, uid, -points, rule, f"reverse:{key}",
                                             source_type, source_id, next_id, False])
                next_id += 1


def load(args, net, builder) -> Ledger:
    """Users, schools and groups (bench/network.py), then the ledger and balances with COPY."""
    from django.conf import settings
    from django.contrib.contenttypes.models import ContentType
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from bench.network import copy_rows
    from feeds.models import Post
    from resources.models import Resource
    from yiban_core.credits.models import PointBalance, PointEntry

    t = time.perf_counter()
    content_types = {"post": ContentType.objects.get_for_model(Post).pk,
                     "resource": ContentType.objects.get_for_model(Resource).pk}
    ledger = Ledger(net=net, activity=builder.activity, rows=args.rows, days=args.days,
                    now=builder.now, seed=args.seed, content_types=content_types)
    say(f"  ledger planned: {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    # The ledger's plain indexes are built after the COPY, not row by row during it
    # (several times faster); the primary key and the unique constraints stay.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indexname, i.indexdef FROM pg_indexes i WHERE i.tablename = %s AND "
            "NOT EXISTS (SELECT 1 FROM pg_constraint c JOIN pg_class x ON x.oid = c.conindid "
            "WHERE x.relname = i.indexname)", [PointEntry._meta.db_table])
        deferred = cursor.fetchall()
    with transaction.atomic():
        with connection.cursor() as cursor:
            for name, _definition in deferred:
                cursor.execute(f'DROP INDEX "{name}"')
        copy_rows(PointEntry, ["id", "user", "amount", "rule", "idempotency_key", "source_type",
                               "source_id", "reverses", "created_at"], ledger.rows)
        copy_rows(PointBalance, ["user", "total", "updated_at"],
                  ((uid, total, ledger.now) for uid, total in sorted(ledger.balance.items())))
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [PointEntry]):
                cursor.execute(statement)
            # The per-period totals the services keep beside the ledger (credits.services
            # _add_to_periods): day, week from Monday, month, in the site's time zone.
            cursor.execute(
                "INSERT INTO credits_pointperiodtotal (user_id, period, starts, total) "
                "SELECT user_id, period, starts, SUM(amount) FROM ("
                " SELECT user_id, amount, p.period, CASE p.period"
                "  WHEN 'day' THEN (created_at AT TIME ZONE %(tz)s)::date"
                "  ELSE date_trunc(p.period, created_at AT TIME ZONE %(tz)s)::date END AS starts"
                " FROM credits_pointentry, (VALUES ('day'), ('week'), ('month')) AS p(period)"
                ") AS periods GROUP BY user_id, period, starts",
                {"tz": settings.TIME_ZONE})
    say(f"  ledger, balances and period totals: {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    with connection.cursor() as cursor:
        for _name, definition in deferred:
            cursor.execute(definition)
    say(f"  {len(deferred)} ledger indexes built: {time.perf_counter() - t:.1f}s")
    t = time.perf_counter()
    with connection.cursor() as cursor:  # the steady state: autovacuum has been by
        cursor.execute("VACUUM (ANALYZE) credits_pointentry")
        cursor.execute("VACUUM (ANALYZE) credits_pointbalance")
        cursor.execute("VACUUM (ANALYZE) credits_pointperiodtotal")
        cursor.execute("ANALYZE")
    say(f"  VACUUM ANALYZE: {time.perf_counter() - t:.1f}s")
    return ledger


# --- figures ---------------------------------------------------------------------------


def summary(values: list[float]) -> tuple[float, float]:
    """(p50, p95) to thousandths: the Redis reads take a fraction of a millisecond."""
    return round(percentile(values, 50), 3), round(percentile(values, 95), 3)


def main() -> None:
    args = parse_args()
    if not os.environ.get("REDIS_URL"):
        fail("REDIS_URL is not set; the benchmark measures the Redis boards too, e.g. "
             "REDIS_URL=redis://127.0.0.1:6379/10 (a Redis database of its own)")
    bench_url, server = prepare_database(args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection

    from bench import network
    from yiban_core.credits import board_store, boards, services
    from yiban_core.credits.models import PointEntry
    from yiban_core.credits.windows import window_start
    from yiban_core.groups.models import Group, Membership

    if not settings.ACCELERATOR_REDIS_URL:
        fail("ACCELERATOR_REDIS_URL is empty: the Redis boards are switched off")
    host = connection.settings_dict.get("HOST") or "localhost"
    say(f"leaderboards benchmark · database {args.db} on {host} (dropped and recreated) · "
        f"Redis {settings.ACCELERATOR_REDIS_URL}")
    say(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} · Python "
        f"{sys.version.split()[0]} · PostgreSQL {connection.pg_version}")

    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    say(f"migrate: {time.perf_counter() - t:.1f}s · Redis board keys of earlier runs removed: "
        f"{clear_redis()}")

    # --- data --------------------------------------------------------------------------------
    t = time.perf_counter()
    say(f"building {args.users:,} users and {args.rows:,} ledger rows over {args.days} days "
        f"(seed {args.seed}):")
    builder = network._Builder(args.users, 0, args.seed)
    started = time.perf_counter()
    builder.people_and_groups()
    net = builder.net
    net.following = net.followers = [0] * (net.users + 1)  # no follows, no posts here
    say(f"  people and groups: {time.perf_counter() - started:.1f}s")
    started = time.perf_counter()
    builder.write()
    say(f"  users, schools, groups COPY: {time.perf_counter() - started:.1f}s")
    ledger = load(args, net, builder)
    build_s = time.perf_counter() - t
    # Measure as a web process would: without the loader's millions of objects for the
    # garbage collector to walk.
    ledger.rows.clear()
    builder.rows.clear()
    gc.collect()
    gc.freeze()
    rows_n = PointEntry.objects.count()
    balances = sorted(ledger.balance.values(), reverse=True)
    kinds = ", ".join(f"{rule} {n:,}" for rule, n in ledger.stats.most_common()
                      if rule != "capped")
    say(f"data built in {build_s:.1f}s: {net.users:,} users in {net.stats['schools']} schools "
        f"(largest {net.stats['school_group_sizes'][0]:,} verified), "
        f"{len(net.kind_of):,} groups, {net.stats['memberships']:,} memberships · "
        f"{rows_n:,} ledger rows since {ledger.first_day:%Y-%m-%d} (local)")
    say(f"  rows by rule: {kinds}; {ledger.stats['capped']:,} events past a daily cap paid "
        "nothing")
    say(f"  {len(balances):,} users with a balance · balance p50 {percentile(balances, 50)}, "
        f"p90 {percentile(balances, 90)}, p99 {percentile(balances, 99)}, max {balances[0]:,}")
    window_rows = {w: (PointEntry.objects.filter(created_at__gte=window_start(w)).count()
                       if window_start(w) else rows_n) for w in WINDOW_ORDER}
    say("  rows per window: " + ", ".join(
        f"{w} {n:,} (from {window_start(w):%a %m-%d})" if window_start(w) else f"{w} {n:,}"
        for w, n in window_rows.items()))

    # --- Redis boards from the database --------------------------------------------------------
    t = time.perf_counter()
    rebuilt = boards.rebuild()
    rebuild_s = time.perf_counter() - t
    say(f"boards.rebuild(): {rebuilt} Redis boards (4 windows x site and {rebuilt // 4 - 1} "
        f"schools) in {rebuild_s:.1f}s")

    # --- what is measured ------------------------------------------------------------------------
    biggest_school = max(range(1, net.stats["schools"] + 1),
                         key=lambda s: sum(1 for x in net.school_of if x == s))
    group = Group.objects.filter(kind="interest").order_by("-member_count", "pk").first()
    scopes = {"site": {}, "school": {"school_id": biggest_school}, "group": {"group_id": group.pk}}
    group_members = set(net.members_of[group.pk])
    t = time.perf_counter()
    group_boards = boards.rebuild_groups([group.pk])
    group_rebuild_s = time.perf_counter() - t
    say(f"scopes: site · school {biggest_school} "
        f"({sum(1 for x in net.school_of if x == biggest_school):,} users) · group "
        f"{group.name} ({group.member_count:,} members; its own Redis boards, "
        f"boards.rebuild_groups(): {group_boards} boards in {group_rebuild_s:.1f}s)")

    rng = random.Random(f"{args.seed}:sample")
    by_points = sorted(ledger.balance, key=lambda u: (-ledger.balance[u], u))
    without = [u for u in range(1, net.users + 1) if u not in ledger.balance]
    k = args.sample
    k_without = min(len(without), max(1, k // 20))
    sample = sorted({by_points[round(i * (len(by_points) - 1) / (k - k_without - 1))]
                     for i in range(k - k_without)} | set(rng.sample(without, k_without)))
    rng.shuffle(sample)
    say(f"sample: {len(sample)} users spread over the whole all-time ranking "
        f"({k_without} without points)")

    def timed(fn, **kw):
        began = time.perf_counter()
        result = fn(**kw)
        return (time.perf_counter() - began) * 1000, result

    def scope_for(name: str, user_id: int) -> dict:
        if name == "school":
            return {"school_id": net.school_of[user_id] or biggest_school}
        return scopes[name]

    def users_for(name: str) -> list[int]:
        if name == "group":  # ranks in a group are asked by its members
            members = [u for u in sample if u in group_members]
            extra = rng.sample(sorted(group_members), min(len(group_members),
                                                          len(sample) - len(members)))
            return (members + extra)[:len(sample)]
        return sample

    def board(window: str, scope: dict, use_redis: bool) -> list[tuple[int, int]]:
        return [(r.user_id, r.points)
                for r in boards.top(window=window, count=100, use_redis=use_redis, **scope)]

    results: dict[str, dict] = {}
    mismatches: list[str] = []
    load_measure = os.getloadavg()[0]
    say("top-100 and my rank, p50 / p95 ms (n = samples; the database path is sampled "
        f"within {args.db_seconds:g}s per series, at least 12; load average "
        f"{load_measure:.2f}):")
    say(f"  {'board':<13} {'top100 redis':>16} {'top100 db':>20} {'rank redis':>16} "
        f"{'rank db':>20}  same")
    t_measure = time.perf_counter()
    for window in WINDOW_ORDER:
        for name, scope in scopes.items():
            if name == "group" and window not in GROUP_WINDOWS:
                continue
            label = f"{window}_{name}"
            for _ in range(5):  # warm-up: connections, plans, caches
                board(window, scope, True)
            board(window, scope, False)
            top_redis = []
            while len(top_redis) < len(sample):
                top_redis.append(timed(board, window=window, scope=scope, use_redis=True)[0])
            top_db, began = [], time.perf_counter()
            while len(top_db) < len(sample) and (
                    len(top_db) < 12 or time.perf_counter() - began < args.db_seconds):
                top_db.append(timed(board, window=window, scope=scope, use_redis=False)[0])
            same_top = board(window, scope, True) == board(window, scope, False)
            askers = users_for(name)
            rank_redis, ranks = [], {}
            for uid in askers:
                ms, ranks[uid] = timed(boards.rank_of, user_id=uid, window=window,
                                       **scope_for(name, uid))
                rank_redis.append(ms)
            rank_db, differ, began = [], [], time.perf_counter()
            for uid in askers:
                if len(rank_db) >= 12 and time.perf_counter() - began > args.db_seconds:
                    break
                ms, found = timed(boards.rank_of, user_id=uid, window=window, use_redis=False,
                                  **scope_for(name, uid))
                rank_db.append(ms)
                if uid in ranks and found != ranks[uid]:
                    differ.append((uid, ranks[uid], found))
            if not same_top:
                mismatches.append(f"{label}: top-100 differs")
            if differ:
                mismatches.append(f"{label}: {len(differ)} ranks differ, e.g. {differ[:3]}")
            figures = {"top100_redis": summary(top_redis), "top100_db": summary(top_db),
                       "rank_redis": summary(rank_redis), "rank_db": summary(rank_db),
                       "n": (len(top_redis), len(top_db), len(rank_redis), len(rank_db))}
            results[label] = figures

            def cell(pair, n):
                return f"{pair[0]:7.2f} / {pair[1]:7.2f}" + (f" n{n:<3}" if n else "")

            say(f"  {label:<13} {cell(figures['top100_redis'], 0):>16} "
                f"{cell(figures['top100_db'], len(top_db)):>20} "
                f"{cell(figures['rank_redis'], 0):>16} "
                f"{cell(figures['rank_db'], len(rank_db)):>20}  "
                f"{'yes' if same_top and not differ else 'NO'}")
    say(f"  measured in {time.perf_counter() - t_measure:.1f}s; top-100 and ranks equal on Redis "
        f"and database: " + ("all boards" if not mismatches else "; ".join(mismatches)))

    # The way a group rank was read before groups had boards of their own: the site board's
    # ZMSCORE for every member, sorted here (its cost grows with the group: sampled within
    # the time budget). Groups above 2,000 members were ranked by the database ("rank db").
    def old_group_rank(window: str, user_id: int) -> tuple[int | None, int]:
        members = list(Membership.objects.filter(group_id=group.pk)
                       .values_list("user_id", flat=True))
        found = board_store.scores(boards._key("site", window), members)
        rows = sorted(((u, p) for u, p in found.items() if p > 0), key=lambda r: (-r[1], r[0]))
        for position, (u, p) in enumerate(rows, start=1):
            if u == user_id:
                return position, int(p)
        return None, 0

    old_ms, old_differ = {}, 0
    for window in GROUP_WINDOWS:
        old_ms[window], began = [], time.perf_counter()
        for uid in users_for("group"):
            if len(old_ms[window]) >= 12 and time.perf_counter() - began > args.db_seconds:
                break
            ms, found = timed(old_group_rank, window=window, user_id=uid)
            old_ms[window].append(ms)
            old_differ += found != boards.rank_of(user_id=uid, window=window,
                                                  group_id=group.pk)
    group_rank_p95 = max(results[f"{w}_group"]["rank_redis"][1] for w in GROUP_WINDOWS)
    group_rank_p95_db = max(results[f"{w}_group"]["rank_db"][1] for w in GROUP_WINDOWS)
    group_rank_p95_zmscore = max(summary(v)[1] for v in old_ms.values())
    say(f"a member's rank in {group.name} ({group.member_count:,} members), worst p95 over "
        f"{', '.join(GROUP_WINDOWS)}: {group_rank_p95} ms from the group's own Redis board "
        f"(target under 5 ms) · before: {group_rank_p95_db} ms from the database (what groups "
        f"above 2,000 members used), {group_rank_p95_zmscore} ms with the site board's ZMSCORE "
        f"for every member (n {sum(len(v) for v in old_ms.values())}; "
        f"{'same ranks' if not old_differ else f'{old_differ} ranks DIFFER'})")

    def worst(kind: str, names=("site", "school")) -> float:
        return max(f[kind][1] for label, f in results.items() if label.split("_")[1] in names)

    top_redis_p95, top_db_p95 = worst("top100_redis"), worst("top100_db")
    rank_redis_p95, rank_db_p95 = worst("rank_redis"), worst("rank_db")
    speedup = round(top_db_p95 / top_redis_p95, 1)
    say(f"worst p95 over the site and school boards: top-100 {top_redis_p95} ms Redis, "
        f"{top_db_p95} ms database ({speedup}x); my rank {rank_redis_p95} ms Redis, "
        f"{rank_db_p95} ms database (targets: Redis under 2 ms for both)")

    if args.explain:
        explain(boards, scopes)

    # --- awards -----------------------------------------------------------------------------
    weights = [builder.activity[u] for u in range(1, net.users + 1)]
    cum = list(itertools.accumulate(weights))
    rules = list(RULE_MIX["student"])
    rule_cum = list(itertools.accumulate(RULE_MIX["student"].values()))
    plan = [(bisect.bisect(cum, rng.random() * cum[-1]) + 1,
             rules[bisect.bisect(rule_cum, rng.random() * rule_cum[-1])])
            for _ in range(args.awards)]
    for i, (uid, rule) in enumerate(plan[:20]):  # warm-up
        services.award(user_id=uid, rule=rule, key=f"bench-warm:{i}")
    paid, ms_award = 0, []
    began = time.perf_counter()
    for i, (uid, rule) in enumerate(plan):
        t = time.perf_counter()
        paid += services.award(user_id=uid, rule=rule, key=f"bench:{i}") is not None
        ms_award.append((time.perf_counter() - t) * 1000)
    awards_s = time.perf_counter() - began
    awards_per_s = round(len(plan) / awards_s, 1)
    award_p50, award_p95 = summary(ms_award)
    say(f"services.award: {len(plan):,} awards with distinct keys, one after the other, board "
        f"update included: {awards_per_s} awards/s (p50 {award_p50} ms, p95 {award_p95} ms); "
        f"{paid:,} paid, {len(plan) - paid:,} past a daily cap")
    after = []
    awarded = sorted({uid for uid, _ in plan})[:200]
    for window in WINDOW_ORDER:
        for name, scope in scopes.items():
            if name == "group" and window not in GROUP_WINDOWS:
                continue
            from_redis, from_db = board(window, scope, True), board(window, scope, False)
            if from_redis != from_db:
                redis_points, db_points = dict(from_redis), dict(from_db)
                diff = [(u, redis_points.get(u), db_points.get(u))
                        for u in sorted(set(redis_points) | set(db_points))
                        if redis_points.get(u) != db_points.get(u)]
                after.append(f"{window}_{name} top-100 (user, Redis, database): {diff[:3]}")
        for uid in awarded[:50]:
            from_redis = boards.rank_of(user_id=uid, window=window)
            from_db = boards.rank_of(user_id=uid, window=window, use_redis=False)
            if from_redis != from_db:
                after.append(f"{window}_site rank of {uid}: {from_redis} Redis, {from_db} database")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM credits_pointbalance b FULL JOIN (SELECT user_id, SUM(amount) s "
            "FROM credits_pointentry GROUP BY user_id) l ON l.user_id = b.user_id "
            "WHERE COALESCE(b.total, 0) <> COALESCE(l.s, 0)")
        balance_ok = cursor.fetchone()[0] == 0
    say("after the awards, Redis and the database agree on every top-100 measured "
        f"and on 50 awarded users' site ranks: {'yes' if not after else 'NO'}"
        f"; every balance equals its ledger sum: {'yes' if balance_ok else 'NO'}")
    for line in after[:8]:
        say(f"  differs: {line}")
    if len(after) > 8:
        say(f"  ... and {len(after) - 8} more")

    total_s = time.perf_counter() - STARTED
    say(f"total {total_s:.1f}s (build {build_s:.1f}s, rebuild {rebuild_s:.1f}s) · load average "
        f"now {os.getloadavg()[0]:.2f} (other work on the machine inflates every timing)")
    result = {
        "users": net.users,
        "ledger_rows": rows_n,
        "users_with_points": len(balances),
        "sampled_users": len(sample),
        "top100_p50_ms_redis": results["all_site"]["top100_redis"][0],
        "top100_p95_ms_redis": top_redis_p95,
        "my_rank_p50_ms_redis": results["all_site"]["rank_redis"][0],
        "my_rank_p95_ms_redis": rank_redis_p95,
        "top100_p95_ms_db": top_db_p95,
        "my_rank_p95_ms_db": rank_db_p95,
        "speedup_redis_vs_db": speedup,
        "group_members": group.member_count,
        "group_rank_p95_ms_redis": group_rank_p95,
        "group_rank_p95_ms_db": group_rank_p95_db,
        "group_rank_p95_ms_old_zmscore": group_rank_p95_zmscore,
        "group_rebuild_s": round(group_rebuild_s, 2),
        "awards_per_s": awards_per_s,
        "award_p50_ms": award_p50,
        "award_p95_ms": award_p95,
        "awards": len(plan),
        "awards_paid": paid,
        "rebuild_s": round(rebuild_s, 1),
        "redis_db_equal": not mismatches,
        "redis_db_equal_after_awards": not after,
        "per_board_p95_ms": {label: {"top100_redis": f["top100_redis"][1],
                                     "top100_db": f["top100_db"][1],
                                     "rank_redis": f["rank_redis"][1],
                                     "rank_db": f["rank_db"][1]}
                             for label, f in results.items()},
        "window_rows": window_rows,
        "build_s": round(build_s, 1),
        "total_s": round(total_s, 1),
        "load_average_measuring": round(load_measure, 2),
        "load_average": round(os.getloadavg()[0], 2),
    }
    if args.keep:
        say(f"kept: database {args.db} and the Redis boards (yb:lb:people:*)")
    else:
        clear_redis()
        drop_database(args.db, server)
        say(f"dropped database {args.db} and the benchmark's Redis keys")
    print(json.dumps(result, ensure_ascii=False), flush=True)


def explain(boards, scopes) -> None:
    """EXPLAIN ANALYZE of the database path's top-100 and rank queries, per window."""
    from django.db import connection
    from django.db.models import Q

    uid = boards.top(window="all", count=1000, use_redis=False)[-1].user_id
    for window in WINDOW_ORDER:
        for name in ("site", "school"):
            scope = scopes[name]
            top_qs = boards._totals(window, **scope)[:100]
            points = boards._db_rank(window, uid, **scope)[1]
            totals = boards._totals(window, **scope)
            rank_qs = totals.filter(Q(points__gt=points) | Q(points=points, user_id__lt=uid))
            for what, qs in (("top-100", top_qs), ("rank (count ahead)", None)):
                with connection.cursor() as cursor:
                    if qs is None:
                        sql_text, params = rank_qs.query.sql_with_params()
                        sql_text = f"SELECT COUNT(*) FROM ({sql_text}) ahead"
                    else:
                        sql_text, params = qs.query.sql_with_params()
                    cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql_text}", params)
                    plan = [row[0] for row in cursor.fetchall()]
                say(f"EXPLAIN ANALYZE {window} {name} {what}:")
                for line in plan:
                    say(f"    {line}")


if __name__ == "__main__":
    main()

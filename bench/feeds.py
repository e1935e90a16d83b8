"""Home timeline benchmark: ours (Redis and database alone) against django-activity-stream.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiban_bench \\
    REDIS_URL=redis://127.0.0.1:6379/12 python bench/feeds.py [--users N] [--posts N]

Run from the repository root. It drops and recreates its own PostgreSQL
database (--db, default yiban_bench, on the server of DATABASE_URL; the
database named in DATABASE_URL itself is never used), migrates it, builds a
network (bench/network.py), loads the same data into actstream (bench/peer.py),
warms the Redis timelines of the active users the way production does
(rebuild_home_timeline), then measures:

- the home timeline's first page (20 posts with authors and counters) through
  feeds.selectors.home_timeline, with Redis and with the database alone, over
  users sampled across the whole range of follow counts, and the same page
  through actstream's user_stream for the same users;
- the SQL queries of one page, for 20 and for 50 posts;
- publish latency (feeds.services.publish_post, enqueueing included);
- the time from publishing a post in a 5,000+ member group until it is in the
  Redis timeline of every active member (the fan-out task run as the worker
  runs it).

Human-readable lines first; the last line is one JSON object. Timings are
printed, never asserted.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import re
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path, where bench/graphql.py would
# shadow the `graphql` package: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    drop_database,
    fail,
    percentile,
    prepare_database,
    say,
    summary,
    warm_group_timelines,
)

STARTED = time.perf_counter()


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=10_000, help="users (default 10000)")
    p.add_argument("--posts", type=int, default=200_000, help="posts (default 200000)")
    p.add_argument("--sample", type=int, default=300,
                   help="users whose home timeline is timed (default 300)")
    p.add_argument("--active", type=float, default=0.15,
                   help="share of users active lately, with a Redis timeline (default 0.15)")
    p.add_argument("--rounds", type=int, default=3,
                   help="rounds in which each path reads every sampled page (default 3)")
    p.add_argument("--publishes", type=int, default=200, help="posts published (default 200)")
    p.add_argument("--seed", type=int, default=2026)
    p.add_argument("--db", default="yiban_bench",
                   help="database to drop and recreate (default yiban_bench)")
    p.add_argument("--keep", action="store_true",
                   help="leave the database and the Redis timelines at the end")
    args = p.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*bench[a-z0-9_]*", args.db):
        fail(f"--db {args.db!r}: the name must be lowercase and contain 'bench' "
             "(it is dropped and recreated)")
    if args.users < 200 or args.posts < 1000 or args.sample < 10:
        fail("need at least --users 200, --posts 1000 and --sample 10")
    return args


# --- environment and database ----------------------------------------------------------


def clear_redis() -> int:
    """Drop the timelines and the rate-limit/rebuild marks a previous run may have left."""
    import redis
    from django.conf import settings

    removed = 0
    targets = [(settings.ACCELERATOR_REDIS_URL, "yb:tl:*"),
               (settings.ACCELERATOR_REDIS_URL, "yb:gtl:*"),
               (settings.ACCELERATOR_REDIS_URL, "yb:card*"),
               (settings.REDIS_URL.split(",")[0], "*:rl:post:*"),
               (settings.REDIS_URL.split(",")[0], "*:tl-rebuild:*")]
    for url, pattern in targets:
        client = redis.Redis.from_url(url)
        batch = []
        for key in client.scan_iter(match=pattern, count=1000):
            batch.append(key)
            if len(batch) == 1000:
                removed += client.delete(*batch)
                batch = []
        if batch:
            removed += client.delete(*batch)
    return removed


def main() -> None:
    args = parse_args()
    if not os.environ.get("REDIS_URL"):
        fail("REDIS_URL is not set; the benchmark measures the Redis timelines too, e.g. "
             "REDIS_URL=redis://127.0.0.1:6379/12 (a Redis database of its own)")
    bench_url, server = prepare_database(args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django

    django.setup()

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    from bench import network, peer
    from feeds import timeline_store
    from feeds.models import Post, Visibility
    from feeds.selectors import home_timeline
    from feeds.services import publish_post
    from feeds.tasks import fan_out_post
    from feeds.timeline_rebuild import rebuild_home_timeline
    from yiban_core.accounts.models import User
    from yiban_core.actor import Actor
    from yiban_core.groups.models import Group
    from yiban_core.redis import redis_client

    if not settings.ACCELERATOR_REDIS_URL:
        fail("ACCELERATOR_REDIS_URL is empty: the Redis timelines are switched off")
    host = connection.settings_dict.get("HOST") or "localhost"
    say(f"feeds benchmark · database {args.db} on {host} (dropped and recreated) · "
        f"Redis {settings.ACCELERATOR_REDIS_URL}")
    say(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} · Python "
        f"{sys.version.split()[0]} · PostgreSQL {connection.pg_version}")

    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    say(f"migrate: {time.perf_counter() - t:.1f}s · Redis keys of earlier runs removed: "
        f"{clear_redis()}")

    # --- the network ---------------------------------------------------------------------
    t = time.perf_counter()
    say(f"building {args.users:,} users and {args.posts:,} posts (seed {args.seed}):")
    net = network.build(users=args.users, posts=args.posts, seed=args.seed, log=say)
    build_s = time.perf_counter() - t
    st = net.stats
    followers = sorted(net.followers[1:])
    following = sorted(net.following[1:])
    say(f"network built in {build_s:.1f}s: {net.users:,} users in {st['schools']} schools · "
        f"{net.posts:,} posts ({st['group_posts'] / net.posts:.0%} in groups, "
        f"{st['reposts']:,} reposts, {st['post_topics']:,} with a topic) · "
        f"{st['likes']:,} likes · {st['follows']:,} follows · {st['memberships']:,} memberships")
    say(f"  groups: school {st['school_group_sizes']} members · {st['class_groups']} class "
        f"groups of {st['class_group_size_range'][0]}-{st['class_group_size_range'][1]} · "
        f"{st['interest_groups']} interest groups")
    say(f"  followers per user: median {percentile(followers, 50)}, p90 "
        f"{percentile(followers, 90)}, p99 {percentile(followers, 99)}, max {followers[-1]:,} · "
        f"following: median {percentile(following, 50)}, p99 {percentile(following, 99)}, "
        f"max {following[-1]}")

    t = time.perf_counter()
    loaded = peer.load()
    say(f"actstream loaded in {time.perf_counter() - t:.1f}s: {loaded['follows']:,} follows "
        f"(users and groups), {loaded['actions']:,} actions")

    # --- who is measured, who is active ------------------------------------------------------
    rng = random.Random(f"{args.seed}:bench")
    by_following = sorted(range(1, net.users + 1), key=lambda u: (net.following[u], u))
    k = min(args.sample, net.users)
    sample = sorted({by_following[round(i * (net.users - 1) / (k - 1))] for i in range(k)})
    others = [u for u in range(1, net.users + 1) if u not in set(sample)]
    active = set(sample) | set(rng.sample(others, round(args.active * len(others))))

    t = time.perf_counter()
    for user_id in sorted(active):
        rebuild_home_timeline.call(user_id=user_id)
    warm_s = time.perf_counter() - t
    say(f"Redis timelines warmed with rebuild_home_timeline for {len(active):,} active users "
        f"in {warm_s:.1f}s ({warm_s / len(active) * 1000:.1f} ms each)")
    warmed_groups = warm_group_timelines()
    say(f"  and with rebuild_group_timeline for the {warmed_groups} groups merged at read time")

    users = {u.pk: u for u in User.objects.filter(pk__in=sample)}
    missing = [u for u in sample
               if timeline_store.read(timeline_store.key(u), before=None, count=1) is None]
    if missing:
        fail(f"{len(missing)} sampled users have no Redis timeline after warming")

    no_redis = override_settings(ACCELERATOR_REDIS_URL="")

    def our_page(user, first=20) -> list[int]:
        page = home_timeline(actor=Actor.for_user(user), first=first)
        for post in page.items:
            _ = (post.author.display_name, post.like_count, post.comment_count,
                 post.repost_count, post.text, post.group and post.group.name)
        return [post.pk for post in page.items]

    def db_page(user) -> list[int]:
        with no_redis:
            return our_page(user)

    def timed(fn, *fn_args) -> tuple[float, list[int]]:
        started = time.perf_counter()
        result = fn(*fn_args)
        return (time.perf_counter() - started) * 1000, result

    # --- home timeline ------------------------------------------------------------------------
    # The site freezes its start-up heap (yiban_core/asgi.py); this process also holds the
    # network it built, which every full collection would walk again, whoever is timed.
    gc.collect()
    gc.freeze()
    order = sample[:]
    rng.shuffle(order)
    for user_id in order[:30]:  # warm-up: connections, plans, caches
        db_page(users[user_id])
        peer.home_page(users[user_id])
    # Each sampled user's first read finds the cards (feeds/cards.py) cold: their follows
    # and groups, and the posts no one read before them, come from the database and are
    # stored. Timed on its own; the comparison below is of pages read again, as active
    # users read them.
    ms_cold = [timed(our_page, users[user_id])[0] for user_id in order]
    cold_p50, cold_p95 = summary(ms_cold)
    say(f"home timeline with Redis, each sampled user's first read (cards cold): "
        f"p50 {cold_p50:.2f} ms   p95 {cold_p95:.2f} ms")
    # Each path reads all the sampled pages in a row, in rounds that take the paths in turn
    # (rotated, so drift on the machine is shared out): each then finds its servers as warm
    # as its own calls keep them, as a site under load does. One page of each path in turn
    # per user would leave Redis idle for the two database paths' ~25 ms before every Redis
    # page, while PostgreSQL stays warm between them: on this VM a round trip to a server
    # idle for 10 ms takes ~0.35 ms instead of ~0.08 ms (PING), and only the Redis path
    # would pay it. That order is timed too, once, and printed beside.
    paths = {
        "redis": our_page,
        "db": db_page,
        "peer": peer.home_page,
    }
    ms = {name: [] for name in paths}
    pages = {name: {} for name in paths}
    t = time.perf_counter()
    for rnd in range(args.rounds):
        names = list(paths)[rnd % len(paths):] + list(paths)[:rnd % len(paths)]
        for name in names:
            for user_id in order:
                took, ids = timed(paths[name], users[user_id])
                ms[name].append(took)
                pages[name].setdefault(user_id, ids)
    blocks_s = time.perf_counter() - t
    interleaved = {name: [] for name in paths}
    for user_id in order:
        for name, fn in paths.items():
            interleaved[name].append(timed(fn, users[user_id])[0])
    differ = [u for u in order if pages["redis"][u] != pages["db"][u]]
    short = sum(len(pages["redis"][u]) < 20 for u in order)
    peer_same = sum(pages["peer"][u] == pages["redis"][u] for u in order)
    say(f"home timeline, first page of 20, {len(order)} users sampled over the range of follow "
        f"counts (following {min(net.following[u] for u in sample)}.."
        f"{max(net.following[u] for u in sample)}), each path {args.rounds} rounds of all of "
        f"them in a row, timed in {blocks_s:.1f}s:")
    redis_p50, redis_p95 = summary(ms["redis"])
    db_p50, db_p95 = summary(ms["db"])
    peer_p50, peer_p95 = summary(ms["peer"])
    say(f"  ours, Redis:          p50 {redis_p50:7.2f} ms   p95 {redis_p95:7.2f} ms   "
        f"max {max(ms['redis']):7.2f} ms")
    say(f"  ours, database alone: p50 {db_p50:7.2f} ms   p95 {db_p95:7.2f} ms   "
        f"max {max(ms['db']):7.2f} ms")
    say(f"  actstream user_stream: p50 {peer_p50:7.2f} ms   p95 {peer_p95:7.2f} ms   "
        f"max {max(ms['peer']):7.2f} ms")
    speedup = round(peer_p95 / redis_p95, 1)
    speedup_db = round(peer_p95 / db_p95, 1)
    say(f"  speedup vs actstream (p95 / p95): {speedup}x with Redis, {speedup_db}x database alone")
    (i_redis, i_db, i_peer) = (summary(interleaved[name])[1] for name in paths)
    speedup_interleaved = round(i_peer / i_redis, 1)
    say(f"  one page of each path in turn per user (Redis idle before each of its pages): p95 "
        f"Redis {i_redis:.2f} ms, database {i_db:.2f} ms, actstream {i_peer:.2f} ms -> "
        f"{speedup_interleaved}x")
    say(f"  Redis and database pages identical for {len(order) - len(differ)}/{len(order)} users"
        + (f" (differ: {differ[:10]})" if differ else "")
        + f"; {short} users have fewer than 20 posts in reach; actstream's page equals ours for "
        f"{peer_same} (it ignores visibility and shows followed people's group posts)")

    # --- queries per page -----------------------------------------------------------------------
    probe = users[max(sample, key=lambda u: (net.following[u], u))]
    counts, sqls = {}, {}
    for label, switch in (("redis", None), ("db", no_redis)):
        for first in (20, 50):
            if switch:
                switch.enable()
            try:
                our_page(probe, first)  # as read again: with Redis, the cards are warm
                with CaptureQueriesContext(connection) as ctx:
                    n_items = len(our_page(probe, first))
            finally:
                if switch:
                    switch.disable()
            counts[(label, first)] = (len(ctx.captured_queries), n_items)
            sqls[(label, first)] = [q["sql"] for q in ctx.captured_queries]
    with CaptureQueriesContext(connection) as ctx:
        peer.home_page(probe)
    peer_queries = len(ctx.captured_queries)
    say(f"SQL queries per home page (user {probe.username}, following "
        f"{net.following[probe.pk]}):")
    for label in ("redis", "db"):
        (q20, n20), (q50, n50) = counts[(label, 20)], counts[(label, 50)]
        say(f"  {'Redis' if label == 'redis' else 'database'}: {q20} for first=20 ({n20} posts), "
            f"{q50} for first=50 ({n50} posts) -> "
            f"{'same' if q20 == q50 else 'DIFFERENT'}")
        if q20 != q50:
            shapes20 = [re.sub(r"\d+", "N", q)[:90] for q in sqls[(label, 20)]]
            for q in sqls[(label, 50)]:
                shape = re.sub(r"\d+", "N", q)[:90]
                if shape in shapes20:
                    shapes20.remove(shape)
                else:
                    say(f"    only with 50: {q[:160]}")
    say(f"  actstream: {peer_queries} for 20 actions")

    # --- publishing -------------------------------------------------------------------------------
    candidates = [u for u in others if net.role_of[u] == "student"]
    publishers = rng.sample(candidates, min(args.publishes, len(candidates)))
    authors = {u.pk: u for u in User.objects.filter(pk__in=publishers)}
    groups = {g.pk: g for g in Group.objects.filter(
        pk__in={g for u in publishers for g in net.groups_of.get(u, ())})}
    texts = network.Texts(rng)
    ms_publish = []
    for i, user_id in enumerate(publishers):
        own_groups = [g for g in net.groups_of.get(user_id, ()) if net.kind_of[g] != "school"]
        text, _topic = texts.post("北京")
        kwargs = {}
        if i % 10 < 3 and own_groups:
            kwargs["group"] = groups[rng.choice(own_groups)]
        else:
            kwargs["visibility"] = rng.choices(
                [Visibility.PUBLIC, Visibility.SCHOOL, Visibility.FOLLOWERS], [55, 30, 15])[0]
            if kwargs["visibility"] == Visibility.SCHOOL and authors[user_id].verified_at is None:
                kwargs["visibility"] = Visibility.PUBLIC  # only verified members post school-only
        ms, _post = timed(lambda u=authors[user_id], k=kwargs, x=text: publish_post(
            actor=Actor.for_user(u), text=x, **k))
        ms_publish.append(ms)
    publish_p50, publish_p95 = summary(ms_publish)
    say(f"publish_post ({len(ms_publish)} posts, 30% to groups, fan-out enqueued in the same "
        f"transaction): p50 {publish_p50:.2f} ms   p95 {publish_p95:.2f} ms")

    # --- fan-out to a 5,000+ member group ---------------------------------------------------------
    # The largest group that is fanned out on write (official school groups, and groups above
    # FEED_FANOUT_MAX_GROUP, are merged at read time and need no fan-out).
    from feeds import selectors, timeline_rebuild

    def fanned_out(group) -> bool:
        rule = (getattr(timeline_rebuild, "merged_at_read_time", None)
                or getattr(selectors, "merged_at_read_time", None))
        if rule is not None:
            return not rule(group)
        return group.member_count <= settings.FEED_FANOUT_MAX_GROUP

    group = next(g for g in Group.objects.order_by("-member_count", "pk") if fanned_out(g))
    members = net.members_of[group.pk]
    active_members = [u for u in members if u in active]
    client = redis_client()
    owner = User.objects.get(pk=group.owner_id)
    started = time.perf_counter()
    post = publish_post(actor=Actor.for_user(owner), group=group,
                        text="【失物招领】今天下午在图书馆三楼捡到一张校园卡，"
                             "请失主到一楼服务台认领。#校园生活#")
    published = time.perf_counter()
    added = fan_out_post.call(post_id=post.pk)  # what the worker runs for the queued task
    fanned = time.perf_counter()
    pending = list(active_members)
    polls = 0
    while pending and time.perf_counter() - started < 30:
        if polls:
            time.sleep(0.01)
        polls += 1
        pipe = client.pipeline(transaction=False)
        for user_id in pending:
            pipe.zscore(timeline_store.key(user_id), post.pk)
        pending = [u for u, score in zip(pending, pipe.execute(), strict=True) if score is None]
    fanout_s = time.perf_counter() - started
    if pending:
        say(f"  fan-out: {len(pending)} active members still without the post after 30 s")
    reader = users.get(next((u for u in sample if u in set(members)), None))
    on_top = reader is not None and our_page(reader)[:1] == [post.pk]
    say(f"fan-out to {group.name} ({group.member_count:,} members, "
        f"{len(active_members):,} active): in every active member's Redis timeline after "
        f"{fanout_s:.3f} s (publish {(published - started) * 1000:.1f} ms, fan_out_post "
        f"{(fanned - published) * 1000:.1f} ms for {added:,} timelines, {polls} poll(s))"
        + (f"; first on a sampled member's home page: {'yes' if on_top else 'NO'}"
           if reader else ""))
    if group.member_count < 5000:
        say(f"  note: the largest fanned-out group has fewer than 5,000 members at "
            f"--users {args.users}")

    total_s = time.perf_counter() - STARTED
    say(f"total {total_s:.1f}s (build {build_s:.1f}s, warm {warm_s:.1f}s) · load average now "
        f"{os.getloadavg()[0]:.2f} (other work on the machine inflates every timing)")
    result = {
        "users": net.users,
        "posts": Post.objects.count(),
        "sampled_users": len(order),
        "active_users": len(active),
        "home_p50_ms_redis": redis_p50,
        "home_p95_ms_redis": redis_p95,
        "home_p50_ms_db": db_p50,
        "home_p95_ms_db": db_p95,
        "home_p50_ms_redis_cold": cold_p50,
        "home_p95_ms_redis_cold": cold_p95,
        "peer": "django-activity-stream user_stream",
        "peer_p50_ms": peer_p50,
        "peer_p95_ms": peer_p95,
        "speedup_vs_peer": speedup,
        "speedup_vs_peer_db": speedup_db,
        "speedup_vs_peer_interleaved": speedup_interleaved,
        "queries_per_page": counts[("redis", 20)][0],
        "queries_per_page_50": counts[("redis", 50)][0],
        "queries_per_page_db": counts[("db", 20)][0],
        "queries_per_page_db_50": counts[("db", 50)][0],
        "peer_queries_per_page": peer_queries,
        "redis_db_pages_identical": len(order) - len(differ),
        "publish_p50_ms": publish_p50,
        "publish_p95_ms": publish_p95,
        "fanout_group_members": group.member_count,
        "fanout_active_members": len(active_members),
        "fanout_5000_s": round(fanout_s, 3),
        "build_s": round(build_s, 1),
        "total_s": round(total_s, 1),
        "load_average": round(os.getloadavg()[0], 2),
    }
    if args.keep:
        say(f"kept: database {args.db} and the Redis timelines (yb:tl:*, yb:gtl:*)")
    else:
        clear_redis()
        drop_database(args.db, server)
        say(f"dropped database {args.db} and the benchmark's Redis keys")
    print(json.dumps(result, ensure_ascii=False), flush=True)


if __name__ == "__main__":
    main()

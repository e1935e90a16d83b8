"""Messages benchmark: the inbox page, and send-to-delivered across two daphne processes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiban_msg_bench \\
    REDIS_URL=redis://127.0.0.1:6379/7 python bench/messages.py [--users N] [--messages N]

Run from the repository root. It drops and recreates its own PostgreSQL database (--db,
default yiban_msg_bench), migrates it and writes, in SQL, --users users (10,000), each in
--per-user direct conversations with the users after them (a ring: users x per-user
conversations), and --messages messages (1,000,000) spread evenly over them, with their
readers' seats (unread counts, last messages) as the services keep them. Then:

1. inbox: the first page (20) of the inbox of --inbox-samples random users, through
   messages.selectors.inbox (the conversations, their seats and last messages: what the
   page and GraphQL read), in this process; p50 and p95 in ms and the queries per page;
   and the same page as GraphQL `conversations` through Django's test client (the
   request's whole work, no network);
2. delivery: TWO daphne processes (DEBUG=0, the Redis channel layer); --recipients
   people open the live socket, alternately on either; for each of them a partner sends a
   message with `sendMessage` over HTTP to the OTHER process (a bearer token of a user
   app), --rate per second; per message, send-to-delivered = when the recipient's socket
   got the `message` event - when the request was sent (one clock: this process is the
   client of both); lost = sent and never delivered within 5 s of the last send.

Human-readable lines first; the last line is one JSON object. Timings are printed, never
asserted. Targets: inbox p95 < 10 ms, delivery p95 < 150 ms, lost 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# As a script, this folder comes first on sys.path (bench/graphql.py would shadow graphql).
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench.common import (  # noqa: E402
    drop_database,
    fail,
    percentile,
    prepare_database,
    production_env,
    say,
)

STARTED = time.perf_counter()
PREFIX = f"msgb{secrets.token_hex(3)}"


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=10_000)
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--per-user", type=int, default=5,
                   help="direct conversations each user starts (5: about 10 per user)")
    p.add_argument("--inbox-samples", type=int, default=1000)
    p.add_argument("--recipients", type=int, default=300)
    p.add_argument("--rate", type=float, default=20.0, help="messages sent per second (20)")
    p.add_argument("--db", default="yiban_msg_bench")
    p.add_argument("--keep", action="store_true", help="leave the database at the end")
    args = p.parse_args()
    if not re.fullmatch(r"[a-z_][a-z0-9_]*bench[a-z0-9_]*", args.db):
        fail(f"--db {args.db!r}: the name must be lowercase and contain 'bench'")
    if args.users < 20 or args.per_user < 1 or args.recipients * 2 > args.users:
        fail("need --users >= 20, --per-user >= 1 and --recipients <= --users / 2")
    return args


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Daphne:
    def __init__(self, env: dict[str, str], logdir: Path, name: str):
        self.port = free_port()
        self.log = open(logdir / f"{name}.log", "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(self.port),
             "yiban_core.asgi:application"], cwd=ROOT, env=env, stdout=self.log,
            stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                fail(f"daphne {name} exited: see {self.log.name}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        fail(f"daphne {name}: nothing listens on port {self.port}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


# --- data, in SQL ------------------------------------------------------------------------


def build_data(args) -> dict:
    from django.contrib.auth.hashers import make_password
    from django.db import connection
    from django.db.models import Max, Min

    from yiban_core.accounts.models import User

    t = time.perf_counter()
    password = make_password("bench-password")
    User.objects.bulk_create([User(username=f"mb{i:06d}", display_name=f"同学{i}",
                                   password=password) for i in range(args.users)],
                             batch_size=5000)
    bounds = User.objects.aggregate(first=Min("pk"), last=Max("pk"))
    first_id, last_id = bounds["first"], bounds["last"]
    assert last_id - first_id == args.users - 1, "user ids are not contiguous"
    n, k = args.users, args.per_user
    per_conversation = max(1, args.messages // (n * k))
    with connection.cursor() as cursor:
        # Conversation i*k + d: user i with user (i + d + 1) mod n, smaller id first.
        cursor.execute("""
            INSERT INTO conversations_conversation
              (kind, user_low_id, user_high_id, state, created_at, last_message_id)
            SELECT 'direct', %(f)s + LEAST(i, (i + d) %% %(n)s),
                   %(f)s + GREATEST(i, (i + d) %% %(n)s), 'open', now() - interval '30 days', 0
            FROM generate_series(0, %(n)s - 1) i, generate_series(1, %(k)s) d
            WHERE (i + d) %% %(n)s <> i
            ON CONFLICT DO NOTHING""", {"f": first_id, "n": n, "k": k})
        cursor.execute("SELECT count(*) FROM conversations_conversation")
        conversations = cursor.fetchone()[0]
        t_msg = time.perf_counter()
        cursor.execute("""
            INSERT INTO conversations_message
              (conversation_id, sender_id, text, attachment, attachment_name, attachment_type,
               attachment_size, created_at, moderation, delivered)
            SELECT c.id, CASE WHEN g %% 2 = 0 THEN c.user_low_id ELSE c.user_high_id END,
                   '第' || g || '条：明天的实验报告交到哪里？', '', '', '', 0,
                   now() - interval '30 days' + (g * interval '1 minute')
                         + (c.id %% 40000) * interval '1 minute',
                   'visible', true
            FROM conversations_conversation c, generate_series(1, %(m)s) g""",
                       {"m": per_conversation})
        messages_s = time.perf_counter() - t_msg
        cursor.execute("""
            UPDATE conversations_conversation c SET last_message_id = m.last_id,
                   last_message_at = m.last_at
            FROM (SELECT conversation_id, max(id) AS last_id, max(created_at) AS last_at
                  FROM conversations_message GROUP BY conversation_id) m
            WHERE m.conversation_id = c.id""")
        # Seats: the low user read everything, the high user has the last few unread.
        cursor.execute("""
            INSERT INTO conversations_participant
              (conversation_id, user_id, joined_at, visible_after_id, last_read_id,
               unread_count, muted)
            SELECT id, user_low_id, created_at, 0, last_message_id, 0, false
              FROM conversations_conversation
            UNION ALL
            SELECT id, user_high_id, created_at, 0, last_message_id - (id % 4), id % 4, false
              FROM conversations_conversation""")
        cursor.execute("SELECT count(*) FROM conversations_message")
        messages = cursor.fetchone()[0]
        cursor.execute("ANALYZE")
    say(f"data: {n} users, {conversations} conversations, {messages} messages "
        f"({per_conversation} each; messages in {messages_s:.1f}s) in "
        f"{time.perf_counter() - t:.1f}s")
    return {"first_id": first_id, "conversations": conversations, "messages": messages}


# --- 1. the inbox ------------------------------------------------------------------------


def measure_inbox(args, data) -> dict:
    from django.db import connection, reset_queries
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from messages import selectors
    from yiban_core.accounts.models import User
    from yiban_core.actor import Actor

    rng = random.Random(7)
    ids = [data["first_id"] + rng.randrange(args.users) for _ in range(args.inbox_samples)]
    users = User.objects.in_bulk(ids)
    timings, queries = [], []
    for warm in (True, False):
        for user_id in ids[: 50] if warm else ids:
            actor = Actor(user=users[user_id])
            with CaptureQueriesContext(connection) as captured:
                start = time.perf_counter()
                page = selectors.inbox(actor=actor, first=20)
                _ = [c.last_message for c in page.items]
                elapsed = (time.perf_counter() - start) * 1000
            if not warm:
                timings.append(elapsed)
                queries.append(len(captured))
    reset_queries()
    query = ("{ conversations(first: 20) { edges { node { id title unreadCount "
             "lastMessage { text createdAt } } } } unreadMessageCount }")
    graphql_ms = []
    client = Client()
    for n, user_id in enumerate(ids[: max(50, args.inbox_samples // 5)]):
        client.force_login(users[user_id])
        start = time.perf_counter()
        response = client.post("/graphql", data=json.dumps({"query": query}),
                               content_type="application/json", HTTP_HOST="127.0.0.1")
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200 or response.json().get("errors"):
            fail(f"the inbox query failed: {response.content[:300]!r}")
        if n >= 10:
            graphql_ms.append(elapsed)
    result = {"samples": len(timings), "p50_ms": round(percentile(timings, 50), 2),
              "p95_ms": round(percentile(timings, 95), 2),
              "queries_per_page": max(queries),
              "graphql_p50_ms": round(percentile(graphql_ms, 50), 2),
              "graphql_p95_ms": round(percentile(graphql_ms, 95), 2)}
    say(f"inbox: first page of {len(timings)} random users · selector p50 {result['p50_ms']} ms, "
        f"p95 {result['p95_ms']} ms, {result['queries_per_page']} queries · GraphQL request "
        f"p50 {result['graphql_p50_ms']} ms, p95 {result['graphql_p95_ms']} ms")
    return result


# --- 2. delivery across two daphne processes ----------------------------------------------


def sessions_and_tokens(args, data) -> list[dict]:
    """Pairs (recipient with a session, sender with a token) over existing conversations."""
    import datetime

    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.utils import timezone
    from oauth2_provider.models import AccessToken, set_token_value

    from messages.models import Conversation
    from openapi_plugins.services import register_app
    from yiban_core.accounts.models import User
    from yiban_core.actor import Actor

    developer = User.objects.create_user(username="mb_developer", password="x")
    app, _secret = register_app(actor=Actor(user=developer), name="压测客户端", kind="user",
                                scopes=["messages:read", "messages:write"],
                                redirect_uris="https://bench.example.com/cb")
    rng = random.Random(11)
    # Distinct people: each recipient and each sender appears once.
    chosen = rng.sample(range(0, args.users - 1, 2), args.recipients)
    pairs, sessions, tokens = [], [], []
    expire = timezone.now() + datetime.timedelta(days=1)
    store = SessionStore()
    users = User.objects.in_bulk([data["first_id"] + i for i in chosen]
                                 + [data["first_id"] + i + 1 for i in chosen])
    for i in chosen:
        recipient, sender = users[data["first_id"] + i], users[data["first_id"] + i + 1]
        conversation = Conversation.objects.get(user_low=recipient, user_high=sender)
        key = secrets.token_hex(16)
        sessions.append(Session(session_key=key, expire_date=expire, session_data=store.encode({
            "_auth_user_id": str(recipient.pk),
            "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
            "_auth_user_hash": recipient.get_session_auth_hash()})))
        raw = secrets.token_urlsafe(30)
        token = AccessToken(application=app.application, user=sender,
                            scope="messages:read messages:write",
                            expires=timezone.now() + datetime.timedelta(hours=2))
        set_token_value(token, raw)
        tokens.append(token)
        pairs.append({"session": key, "token": raw, "conversation_id": conversation.pk})
    Session.objects.bulk_create(sessions)
    AccessToken.objects.bulk_create(tokens)
    return pairs


async def post_graphql(port: int, token: str, body: bytes) -> int:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(b"POST /graphql HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Content-Type: application/json\r\nAuthorization: Bearer "
                 + token.encode() + b"\r\nContent-Length: " + str(len(body)).encode()
                 + b"\r\nConnection: close\r\n\r\n" + body)
    await writer.drain()
    response = await reader.read()
    writer.close()
    status = int(response.split(b" ", 2)[1])
    if status != 200 or b'"errors":[]' not in response.replace(b" ", b""):
        return status or 599
    return 200


async def deliver(args, pairs, ports) -> dict:
    from graphql_relay import to_global_id
    from websockets.asyncio.client import connect

    sent_at: dict[int, float] = {}
    got_at: dict[int, float] = {}
    failures: dict[str, int] = {}
    sockets, readers = [], []

    async def reader(ws):
        try:
            async for text in ws:
                frame = json.loads(text)
                if frame.get("type") == "message":
                    got_at.setdefault(frame["conversation_id"], time.monotonic())
        except Exception:  # closed
            pass

    async def open_socket(pair, port):
        ws = await connect(f"ws://127.0.0.1:{port}/ws/live/",
                           additional_headers={"Cookie": f"sessionid={pair['session']}"},
                           origin="http://127.0.0.1", open_timeout=60, ping_interval=None,
                           compression=None)
        async with asyncio.timeout(30):
            while json.loads(await ws.recv()).get("type") != "hello":
                pass
        sockets.append(ws)
        readers.append(asyncio.get_running_loop().create_task(reader(ws)))

    gate = asyncio.Semaphore(50)

    async def opened(pair, port):
        async with gate:
            await open_socket(pair, port)

    t = time.monotonic()
    await asyncio.gather(*(opened(p, ports[i % 2]) for i, p in enumerate(pairs)))
    open_s = time.monotonic() - t
    await asyncio.sleep(1.0)

    query = ("mutation($input: SendMessageInput!) { sendMessage(input: $input) "
             "{ errors { code message } } }")

    async def send_one(i, pair):
        body = json.dumps({"query": query, "variables": {"input": {
            "conversationId": to_global_id("Conversation", str(pair["conversation_id"])),
            "text": f"压测消息 {i}：今晚自习室见"}}}).encode()
        sent_at[pair["conversation_id"]] = time.monotonic()
        status = await post_graphql(ports[(i + 1) % 2], pair["token"], body)  # the other one
        if status != 200:
            failures[str(status)] = failures.get(str(status), 0) + 1

    tasks = []
    start = time.monotonic()
    for i, pair in enumerate(pairs):
        await asyncio.sleep(max(0.0, start + i / args.rate - time.monotonic()))
        tasks.append(asyncio.get_running_loop().create_task(send_one(i, pair)))
    await asyncio.gather(*tasks)
    await asyncio.sleep(5.0)
    for ws in sockets:
        await ws.close()
    latencies = [(got_at[c] - sent_at[c]) * 1000 for c in sent_at if c in got_at]
    lost = len(sent_at) - len(latencies)
    result = {"sockets": len(sockets), "open_s": round(open_s, 2), "sent": len(sent_at),
              "delivered": len(latencies), "lost": lost, "send_failures": failures,
              "p50_ms": round(percentile(latencies, 50), 1) if latencies else None,
              "p95_ms": round(percentile(latencies, 95), 1) if latencies else None,
              "max_ms": round(max(latencies), 1) if latencies else None}
    say(f"delivery: {result['delivered']}/{result['sent']} messages over 2 daphne processes "
        f"({args.rate:g}/s, sent to the other process) · p50 {result['p50_ms']} ms · p95 "
        f"{result['p95_ms']} ms · max {result['max_ms']} ms · lost {lost}"
        + (f" · failed sends {failures}" if failures else ""))
    return result


def main() -> None:
    args = parse_args()
    if not os.environ.get("REDIS_URL", "").startswith("redis"):
        fail("REDIS_URL is not set; the channel layer is Redis, e.g. "
             "REDIS_URL=redis://127.0.0.1:6379/7")
    bench_url, server_params = prepare_database(args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiban_core.settings"
    os.environ.update(production_env())
    os.environ["CHANNEL_LAYER_PREFIX"] = PREFIX
    os.environ.setdefault("LOG_LEVEL", "WARNING")  # no line per login of the inbox phase
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    say(f"messages benchmark · database {args.db} (dropped and recreated) · Redis "
        f"{os.environ['REDIS_URL']} · {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f} · "
        f"PostgreSQL {connection.pg_version}")
    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    say(f"migrate: {time.perf_counter() - t:.1f}s")
    servers = []
    try:
        data = build_data(args)
        inbox = measure_inbox(args, data)
        pairs = sessions_and_tokens(args, data)
        connection.close()
        logdir = Path(tempfile.mkdtemp(prefix="msg-bench-"))
        env = {k: v for k, v in os.environ.items()}
        env.update(PYTHONPATH=str(ROOT), DJANGO_SETTINGS_MODULE="yiban_core.settings",
                   DEBUG="0", ALLOWED_HOSTS="127.0.0.1", CHANNEL_LAYER_PREFIX=PREFIX,
                   DB_POOL_MAX=os.environ.get("DB_POOL_MAX", "4"))
        servers = [Daphne(env, logdir, f"daphne{i}") for i in range(2)]
        delivery = asyncio.run(deliver(args, pairs, [s.port for s in servers]))
    finally:
        for server in servers:
            server.stop()
        if not args.keep:
            drop_database(args.db, server_params)
    say(f"targets: inbox p95 < 10 ms ({inbox['p95_ms']}), delivery p95 < 150 ms "
        f"({delivery['p95_ms']}), lost 0 ({delivery['lost']}) · total "
        f"{time.perf_counter() - STARTED:.0f}s · load "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(json.dumps({
        "users": args.users, "conversations": data["conversations"],
        "messages": data["messages"],
        "inbox_p50_ms": inbox["p50_ms"], "inbox_p95_ms": inbox["p95_ms"],
        "inbox_queries": inbox["queries_per_page"],
        "inbox_graphql_p50_ms": inbox["graphql_p50_ms"],
        "inbox_graphql_p95_ms": inbox["graphql_p95_ms"],
        "delivery_p50_ms": delivery["p50_ms"], "delivery_p95_ms": delivery["p95_ms"],
        "delivery_max_ms": delivery["max_ms"], "sent": delivery["sent"],
        "delivered": delivery["delivered"], "lost": delivery["lost"],
        "send_failures": delivery["send_failures"],
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "total_s": round(time.perf_counter() - STARTED, 1),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()

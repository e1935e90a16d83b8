"""Live sockets benchmark: broadcast latency and idle memory of daphne, against a stock consumer.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiban_rt_bench \\
    REDIS_URL=redis://127.0.0.1:6379/7 python bench/realtime.py [--users N] [--idle N]

Run from the repository root. It drops and recreates its own PostgreSQL
database (--db, default yiban_rt_bench), migrates it, creates --users users
with sessions written directly (SessionStore, no HTTP login) and a private
group of --group-size of them, then, each phase on fresh daphne processes
(DEBUG=0, the bench's database and Redis, a channel-layer prefix of its own):

1. ours: ONE daphne serving yiban_core.asgi (LiveConsumer, the pub/sub layer);
   --users sockets (session cookie, Origin), the group's members subscribe to
   the group stream; --events new_post events, --interval s apart, sent by this
   process with realtime.events.send_new_post (group.<id>); per-delivery latency
   = receive time in the client - send time here (CLOCK_MONOTONIC is one clock
   for every process of the machine), deliveries per second while a broadcast
   is in flight, lost deliveries, daphne's RSS per socket;
2. baseline: the same load on a stock AsyncJsonWebsocketConsumer on the core
   RedisChannelLayer, untuned (bench/stock_asgi.py, bench/stock_settings.py);
3. two processes: the load of 1 over TWO daphne processes, half the sockets each;
4. idle: --idle sockets (five per user at most) opened on one fresh daphne
   (ours) by --idle-clients client processes from several loopback source
   addresses, held --hold s (longer than redis-py 8's 5 s socket timeout), then
   counted; daphne's RSS growth divided by the sockets.

The websocket clients are child processes of this script (``--client``,
asyncio + the websockets package); their CPU shares the machine with daphne,
Redis and PostgreSQL, so the load average is printed. Human-readable lines
first; the last line is one JSON object. Timings are printed, never asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import json
import math
import os
import re
import resource
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# Run as a script, this file's folder comes first on sys.path, where bench/graphql.py would
# shadow the `graphql` package: put the repository root there instead.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import common  # noqa: E402
from bench.common import drop_database, fail, prepare_database, production_env, say  # noqa: E402

STARTED = time.perf_counter()
PREFIX = f"rtb{secrets.token_hex(3)}"  # channel-layer prefix of this run


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--users", type=int, default=2000, help="users and broadcast sockets (2000)")
    p.add_argument("--group-size", type=int, default=1000,
                   help="members of the group the events go to (1000)")
    p.add_argument("--events", type=int, default=20, help="events per broadcast run (20)")
    p.add_argument("--interval", type=float, default=1.0, help="seconds between events (1)")
    p.add_argument("--idle", type=int, default=10_000, help="idle sockets on one process (10000)")
    p.add_argument("--idle-clients", type=int, default=4,
                   help="client processes opening the idle sockets (4)")
    p.add_argument("--hold", type=float, default=8.0, help="seconds the idle sockets are held (8)")
    p.add_argument("--clients", type=int, default=1,
                   help="client processes of the broadcast runs (1)")
    p.add_argument("--skip-baseline", action="store_true")
    p.add_argument("--skip-two", action="store_true")
    p.add_argument("--profile", action="store_true",
                   help="py-spy record our daphne during the one-process broadcast")
    p.add_argument("--db", default="yiban_rt_bench",
                   help="database to drop and recreate (default yiban_rt_bench)")
    p.add_argument("--keep", action="store_true", help="leave the database at the end")
    p.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.client:
        return args
    if not re.fullmatch(r"[a-z_][a-z0-9_]*bench[a-z0-9_]*", args.db):
        fail(f"--db {args.db!r}: the name must be lowercase and contain 'bench' "
             "(it is dropped and recreated)")
    if args.users < 10 or not 1 <= args.group_size <= args.users or args.events < 1:
        fail("need --users >= 10, 1 <= --group-size <= --users and --events >= 1")
    if args.idle > args.users * 5:
        fail("--idle is at most 5 sockets per user (the per-user limit is 10)")
    return args


# --- the client process (no Django) ----------------------------------------------------------


async def client_main() -> None:
    """Open the sockets of a spec read from stdin, then obey commands: collect, close."""
    from websockets.asyncio.client import connect

    loop = asyncio.get_running_loop()
    spec = json.loads(await loop.run_in_executor(None, sys.stdin.readline))
    mode = spec["mode"]
    received: list[tuple[float, str]] = []
    sockets = []
    readers = []  # the reader tasks, referenced
    failures: dict[str, int] = {}
    gate = asyncio.Semaphore(spec.get("concurrency", 100))

    async def frame_of(ws, kind: str):
        async with asyncio.timeout(30):
            while True:
                frame = json.loads(await ws.recv())
                if frame.get("type") == kind:
                    return frame

    async def reader(ws):
        try:
            async for text in ws:
                received.append((time.monotonic(), text))
        except Exception:  # closed: counted by the state at collect time
            pass

    async def open_one(url, session, group_id, local_ip):
        for attempt in range(3):  # a refused handshake is counted, then retried
            if attempt:
                await asyncio.sleep(attempt)
            ws = await open_once(url, session, group_id, local_ip)
            if ws is not None:
                sockets.append(ws)
                readers.append(loop.create_task(reader(ws)))
                return

    async def open_once(url, session, group_id, local_ip):
        async with gate:
            try:
                ws = await connect(
                    url, additional_headers={"Cookie": f"sessionid={session}"},
                    origin=spec["origin"], open_timeout=60, ping_interval=None,
                    close_timeout=2, compression=None,
                    local_addr=(local_ip, 0) if local_ip else None)
                if mode == "ours":
                    await frame_of(ws, "hello")
                    if group_id:
                        await ws.send(json.dumps({"type": "subscribe", "stream": "group",
                                                  "id": group_id}))
                        await frame_of(ws, "subscribed")
            except Exception as error:
                name = f"{type(error).__name__}: {str(error)[:60]}"
                failures[name] = failures.get(name, 0) + 1
                return None
        return ws

    t = time.monotonic()
    await asyncio.gather(*(open_one(*conn) for conn in spec["conns"]))
    print(json.dumps({"open": len(sockets), "failures": failures,
                      "open_s": round(time.monotonic() - t, 2)}), flush=True)
    cpu_ready = time.process_time()
    while True:
        command = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if command == "collect":
            events = []
            for at, text in received:
                frame = json.loads(text)
                if frame.get("type") == "new_post":
                    events.append((frame["post_id"], at))
            codes: dict[str, int] = {}
            for ws in sockets:
                if ws.close_code is not None:
                    codes[str(ws.close_code)] = codes.get(str(ws.close_code), 0) + 1
            still_open = sum(ws.close_code is None for ws in sockets)
            print(json.dumps({"events": events, "open": still_open, "close_codes": codes,
                              "cpu_s": round(time.process_time() - cpu_ready, 2)}), flush=True)
        else:  # "close", or this script went away
            for ws in sockets:
                ws.transport.abort()
            print(json.dumps({"closed": len(sockets)}), flush=True)
            return


# --- environment, database, processes ---------------------------------------------------------


def clear_redis(patterns: list[str]) -> int:
    import redis

    client = redis.Redis.from_url(os.environ["REDIS_URL"].split(",")[0])
    removed = 0
    for pattern in patterns:
        batch = list(client.scan_iter(match=pattern, count=1000))
        for i in range(0, len(batch), 1000):
            removed += client.delete(*batch[i:i + 1000])
    return removed


def raise_fd_limit() -> int:
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = hard if hard != resource.RLIM_INFINITY else 65536
    resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))  # children inherit it
    return want


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_kb(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_s(pid: int) -> float:
    with open(f"/proc/{pid}/stat") as stat:
        fields = stat.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Daphne:
    """One daphne process on a free loopback port, its output in a log file."""

    def __init__(self, app: str, env: dict[str, str], logdir: Path, name: str):
        self.port = free_port()
        self.log_path = logdir / f"{name}.log"
        self.log = open(self.log_path, "w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-v", "0", "-b", "127.0.0.1", "-p", str(self.port),
             app], cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                fail(f"daphne {name} exited: {self.log_path.read_text()[-2000:]}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return
            except OSError:
                time.sleep(0.1)
        fail(f"daphne {name}: nothing listens on port {self.port}")

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Clients:
    """Client processes (this script with --client), each opening part of the sockets."""

    def __init__(self, parts: list[dict]):
        self.processes = []
        for spec in parts:
            process = subprocess.Popen(
                [sys.executable, str(Path(__file__).resolve()), "--client"], cwd=ROOT,
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            process.stdin.write(json.dumps(spec) + "\n")
            process.stdin.flush()
            self.processes.append(process)

    def _answers(self) -> list[dict]:
        answers = []
        for process in self.processes:
            line = process.stdout.readline()
            if not line:
                fail(f"a client process exited (code {process.wait()})")
            answers.append(json.loads(line))
        return answers

    def ready(self) -> dict:
        answers = self._answers()
        failures: dict[str, int] = {}
        for answer in answers:
            for name, count in answer["failures"].items():
                failures[name] = failures.get(name, 0) + count
        return {"open": sum(a["open"] for a in answers), "failures": failures,
                "open_s": max(a["open_s"] for a in answers)}

    def command(self, command: str) -> list[dict]:
        for process in self.processes:
            process.stdin.write(command + "\n")
            process.stdin.flush()
        return self._answers()

    def close(self) -> None:
        self.command("close")
        for process in self.processes:
            process.wait(timeout=30)


def percentile(values: list[float], p: float) -> float:
    """common.percentile, but NaN where nothing was measured (no message arrived)."""
    return common.percentile(values, p) if values else float("nan")


# --- the phases -----------------------------------------------------------------------------


def broadcast(label, servers, path, conns, args, send, post_base, profile_dir=None) -> dict:
    """conns: (server index, session, group id or None). Opens, sends, measures, closes."""
    parts = [{"mode": "stock" if "stock" in path else "ours",
              "origin": "http://127.0.0.1", "concurrency": 50, "conns": []}
             for _ in range(args.clients)]
    for i, (server, session, group_id) in enumerate(conns):
        url = f"ws://127.0.0.1:{servers[server].port}{path}"
        if group_id and "stock" in path:
            url += f"?group={group_id}"
        parts[i % args.clients]["conns"].append([url, session, group_id, None])
    # Warm up each process (imports, pools) with one socket before measuring its memory.
    warm = Clients([{**parts[0], "conns": [[f"ws://127.0.0.1:{s.port}{path}", conns[0][1],
                                             None, None]]} for s in servers])
    warm.ready()
    warm.close()
    time.sleep(0.5)
    rss_before = [rss_kb(s.pid) for s in servers]
    clients = Clients(parts)
    opened = clients.ready()
    time.sleep(1.0)
    rss_after = [rss_kb(s.pid) for s in servers]
    expected_sockets = sum(1 for c in conns if c[2])
    say(f"  {label}: {opened['open']}/{len(conns)} sockets open in {opened['open_s']}s"
        + (f" (failures: {opened['failures']})" if opened["failures"] else "")
        + " · daphne RSS " + ", ".join(f"{b // 1024}→{a // 1024} MB"
                                       for b, a in zip(rss_before, rss_after, strict=True)))
    spy = None
    if profile_dir is not None:
        spy = start_py_spy(servers[0].pid, profile_dir / f"{label.replace(' ', '_')}.txt",
                           args.events * args.interval + 2)
    cpu_before = [cpu_s(s.pid) for s in servers]
    load_before = os.getloadavg()[0]
    sent: dict[int, float] = {}
    start = time.monotonic()
    for n in range(args.events):
        at = start + n * args.interval
        time.sleep(max(0.0, at - time.monotonic()))
        post_id = post_base + n
        sent[post_id] = time.monotonic()
        send(post_id)
    time.sleep(3.0)  # the last broadcast drains
    wall = time.monotonic() - start
    cpu_used = [round(cpu_s(s.pid) - b, 1) for s, b in zip(servers, cpu_before, strict=True)]
    load = os.getloadavg()[0]
    answers = clients.command("collect")
    clients.close()
    if spy is not None:
        spy.wait(timeout=60)
    latencies, first_at, last_at = [], {}, {}
    for answer in answers:
        for post_id, at in answer["events"]:
            if post_id in sent:
                latencies.append((at - sent[post_id]) * 1000)
                first_at[post_id] = min(first_at.get(post_id, at), at)
                last_at[post_id] = max(last_at.get(post_id, 0), at)
    firsts = [(first_at[p] - sent[p]) * 1000 for p in first_at]
    span = sum(last_at[p] - sent[p] for p in last_at)
    expected = args.events * expected_sockets
    codes: dict[str, int] = {}
    for answer in answers:
        for code, count in answer["close_codes"].items():
            codes[code] = codes.get(code, 0) + count
    result = {
        "sockets": opened["open"], "open_failures": opened["failures"],
        "open_s": opened["open_s"], "expected": expected, "delivered": len(latencies),
        "lost": expected - len(latencies),
        "p50_ms": round(percentile(latencies, 50), 1),
        "p95_ms": round(percentile(latencies, 95), 1),
        "max_ms": round(max(latencies), 1) if latencies else None,
        "deliveries_per_s": round(len(latencies) / span) if span else None,
        "rss_kb_per_conn": round(sum(a - b for a, b in zip(rss_after, rss_before, strict=True))
                                 / max(1, opened["open"]), 1),
        "first_delivery_p50_ms": round(percentile(firsts, 50), 1),
        "per_event_last_ms": [round((last_at[p] - sent[p]) * 1000) for p in sorted(last_at)],
        "burst_span_p50_ms": round(percentile([(last_at[p] - first_at[p]) * 1000
                                               for p in last_at], 50), 1),
        "daphne_cpu_s": cpu_used,
        "daphne_cpu_ms_per_delivery": round(sum(cpu_used) * 1000 / max(1, len(latencies)), 3),
        "client_cpu_s": [a["cpu_s"] for a in answers],
        "closed_during_run": codes, "load_avg": round(max(load, load_before), 2),
    }
    say(f"  {label}: {result['delivered']}/{expected} deliveries · p50 {result['p50_ms']} ms · "
        f"p95 {result['p95_ms']} ms · max {result['max_ms']} ms · "
        f"{result['deliveries_per_s']} deliveries/s in flight · lost {result['lost']} · "
        f"RSS {result['rss_kb_per_conn']} KB/socket")
    say(f"    first delivery p50 {result['first_delivery_p50_ms']} ms, burst (first to last) "
        f"p50 {result['burst_span_p50_ms']} ms · daphne CPU {cpu_used} s of {wall:.0f} s "
        f"({result['daphne_cpu_ms_per_delivery']} ms/delivery) · client CPU "
        f"{result['client_cpu_s']} s"
        + (f" · closed: {codes}" if codes else "") + f" · load {result['load_avg']}")
    return result


def start_py_spy(pid: int, out: Path, seconds: float):
    import shutil

    exe = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(exe).exists():
        say("  (py-spy not installed: pip install py-spy)")
        return None
    return subprocess.Popen([exe, "record", "-p", str(pid), "-d", str(int(seconds)), "-f", "raw",
                             "-o", str(out), "--nonblocking"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def idle(server: Daphne, sessions: list[str], args) -> dict:
    warm = Clients([{"mode": "ours", "origin": "http://127.0.0.1", "concurrency": 1,
                     "conns": [[f"ws://127.0.0.1:{server.port}/ws/live/", sessions[0], None,
                                None]]}])
    warm.ready()
    warm.close()
    time.sleep(0.5)
    rss_before = rss_kb(server.pid)
    parts = [{"mode": "ours", "origin": "http://127.0.0.1", "concurrency": 50, "conns": []}
             for _ in range(args.idle_clients)]
    url = f"ws://127.0.0.1:{server.port}/ws/live/"
    for i in range(args.idle):
        k = i % args.idle_clients
        # Each client process connects from its own loopback address: its own ephemeral ports.
        parts[k]["conns"].append([url, sessions[i % len(sessions)], None, f"127.0.0.{2 + k}"])
    cpu_before = cpu_s(server.pid)
    clients = Clients(parts)
    spy = None
    if args.profile:
        spy = start_py_spy(server.pid, Path(server.log_path).parent / "idle_connect.txt", 20)
    opened = clients.ready()
    cpu_open = cpu_s(server.pid) - cpu_before
    if spy is not None:
        spy.wait(timeout=60)
    time.sleep(args.hold)
    rss_after = rss_kb(server.pid)
    answers = clients.command("collect")
    held = sum(a["open"] for a in answers)
    clients.close()
    result = {"sockets": args.idle, "opened": opened["open"], "open_failures": opened["failures"],
              "open_s": opened["open_s"], "held": held, "hold_s": args.hold,
              "daphne_cpu_ms_per_connect": round(cpu_open * 1000 / max(1, opened["open"]), 2),
              "rss_before_mb": round(rss_before / 1024, 1),
              "rss_after_mb": round(rss_after / 1024, 1),
              "rss_kb_per_conn": round((rss_after - rss_before) / max(1, held), 1)}
    say(f"  idle: {opened['open']}/{args.idle} opened in {opened['open_s']}s"
        + (f" (failures: {opened['failures']})" if opened["failures"] else "")
        + f" · daphne CPU {result['daphne_cpu_ms_per_connect']} ms/connect"
        + f" · {held} still open after {args.hold:.0f}s · daphne RSS "
        f"{result['rss_before_mb']}→{result['rss_after_mb']} MB · "
        f"{result['rss_kb_per_conn']} KB/socket · load {os.getloadavg()[0]:.2f}")
    return result


def main() -> None:
    args = parse_args()
    if args.client:
        asyncio.run(client_main())
        return
    fds = raise_fd_limit()
    if fds < args.idle + 1000:
        say(f"warning: only {fds} file descriptors per process")
    if not os.environ.get("REDIS_URL", "").startswith("redis"):
        fail("REDIS_URL is not set; the channel layer is Redis, e.g. "
             "REDIS_URL=redis://127.0.0.1:6379/7 (a Redis database of its own)")
    bench_url, server_params = prepare_database(args.db)
    os.environ["DATABASE_URL"] = bench_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "yiban_core.settings"
    os.environ.update(production_env())
    os.environ["CHANNEL_LAYER_PREFIX"] = PREFIX
    import django

    django.setup()

    import channels
    import channels_redis
    import daphne
    import websockets
    from asgiref.sync import async_to_sync
    from channels_redis.core import RedisChannelLayer
    from django.contrib.auth.hashers import make_password
    from django.contrib.sessions.backends.db import SessionStore
    from django.contrib.sessions.models import Session
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from realtime import events
    from yiban_core.accounts.models import User
    from yiban_core.groups.models import Group, Membership

    say(f"realtime benchmark · database {args.db} (dropped and recreated) · Redis "
        f"{os.environ['REDIS_URL']} · channel-layer prefix {PREFIX}")
    say(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f} · Python "
        f"{sys.version.split()[0]} · PostgreSQL {connection.pg_version} · Channels "
        f"{channels.__version__}, daphne {daphne.__version__}, channels_redis "
        f"{channels_redis.__version__}, websockets {websockets.__version__} · fds {fds}")
    t = time.perf_counter()
    call_command("migrate", verbosity=0, interactive=False)
    removed = clear_redis([f"*{PREFIX}*", "*rt:conn:*"])
    say(f"migrate: {time.perf_counter() - t:.1f}s · Redis keys of earlier runs removed: {removed}")

    # --- users, sessions, the group --------------------------------------------------------
    t = time.perf_counter()
    password = make_password("bench-password")
    User.objects.bulk_create(
        [User(username=f"rt{i:06d}", display_name=f"同学{i}", password=password)
         for i in range(args.users)], batch_size=2000)
    users = list(User.objects.order_by("pk"))
    expire = timezone.now() + datetime.timedelta(days=1)
    store = SessionStore()
    sessions = []
    rows = []
    for user in users:
        key = secrets.token_hex(16)
        data = {"_auth_user_id": str(user.pk),
                "_auth_user_backend": "django.contrib.auth.backends.ModelBackend",
                "_auth_user_hash": user.get_session_auth_hash()}
        rows.append(Session(session_key=key, session_data=store.encode(data), expire_date=expire))
        sessions.append(key)
    Session.objects.bulk_create(rows, batch_size=2000)
    members = users[:args.group_size]
    group = Group.objects.create(name="压测群", kind=Group.Kind.INTEREST, is_private=True,
                                 owner=members[0], member_count=len(members))
    Membership.objects.bulk_create(
        [Membership(group=group, user=u, role="owner" if i == 0 else "member")
         for i, u in enumerate(members)], batch_size=2000)
    check = SessionStore(session_key=sessions[0]).load()
    assert check.get("_auth_user_id") == str(users[0].pk), "session round trip failed"
    say(f"data: {len(users)} users with sessions, private group {group.pk} of {len(members)} "
        f"members: {time.perf_counter() - t:.1f}s")
    connection.close()

    logdir = Path(tempfile.mkdtemp(prefix="rt-bench-"))
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(PYTHONPATH=str(ROOT), DEBUG="0", ALLOWED_HOSTS="127.0.0.1",
               CHANNEL_LAYER_PREFIX=PREFIX)
    ours_env = {**env, "DJANGO_SETTINGS_MODULE": "yiban_core.settings"}
    stock_env = {**env, "DJANGO_SETTINGS_MODULE": "bench.stock_settings",
                 "CHANNEL_LAYER_PREFIX": PREFIX + "stock"}
    group_id = group.pk
    member_ids = {u.pk for u in members}
    conns = [(0, sessions[i], group_id if u.pk in member_ids else None)
             for i, u in enumerate(users)]

    def send_ours(post_id: int) -> None:
        events.send_new_post(post_id=post_id, group_id=group_id, home_user_ids=[])

    stock_layer = RedisChannelLayer(hosts=[os.environ["REDIS_URL"].split(",")[0]],
                                    prefix=PREFIX + "stock")

    def send_stock(post_id: int) -> None:
        async_to_sync(stock_layer.group_send)(events.group_stream(group_id), {
            "type": "stock.event",
            "event": events.new_post_event(post_id=post_id, group_id=group_id)})

    results: dict[str, dict] = {}
    profile_dir = logdir if args.profile else None
    try:
        say(f"broadcast: {args.events} events, {args.interval:g}s apart, to {len(members)} of "
            f"{len(users)} sockets; {args.clients} client process(es)")
        clear_redis(["*rt:conn:*"])
        server = Daphne("yiban_core.asgi:application", ours_env, logdir, "ours")
        try:
            results["ours"] = broadcast("ours, 1 process", [server], "/ws/live/", conns, args,
                                        send_ours, 1000, profile_dir)
        finally:
            server.stop()
        if not args.skip_baseline:
            server = Daphne("bench.stock_asgi:application", stock_env, logdir, "stock")
            try:
                results["stock"] = broadcast("stock, 1 process", [server], "/ws/stock/", conns,
                                             args, send_stock, 2000)
            finally:
                server.stop()
        if not args.skip_two:
            clear_redis(["*rt:conn:*"])
            servers = [Daphne("yiban_core.asgi:application", ours_env, logdir, f"two{i}")
                       for i in range(2)]
            try:
                halves = [(i % 2, s, g) for i, (_, s, g) in enumerate(conns)]
                results["two"] = broadcast("ours, 2 processes", servers, "/ws/live/", halves,
                                           args, send_ours, 3000)
            finally:
                for s in servers:
                    s.stop()
        if args.idle:
            clear_redis(["*rt:conn:*"])
            say(f"idle: {args.idle} sockets on one daphne process (ours), "
                f"{args.idle_clients} client processes")
            server = Daphne("yiban_core.asgi:application", ours_env, logdir, "idle")
            try:
                results["idle"] = idle(server, sessions, args)
            finally:
                server.stop()
    finally:
        async_to_sync(stock_layer.flush)()
        clear_redis([f"*{PREFIX}*", "*rt:conn:*"])
        if not args.keep:
            drop_database(args.db, server_params)
    if profile_dir is not None:
        say(f"py-spy profiles and daphne logs: {logdir}")

    ours, stock, two = results["ours"], results.get("stock"), results.get("two")
    idle_result = results.get("idle", {})
    speedup = (round(stock["p95_ms"] / ours["p95_ms"], 2)
               if stock and ours["p95_ms"] and not math.isnan(ours["p95_ms"]) else None)
    say(f"ours p95 {ours['p95_ms']} ms vs stock {stock and stock['p95_ms']} ms: "
        f"speedup {speedup}x · two processes p95 {two and two['p95_ms']} ms · "
        f"total {time.perf_counter() - STARTED:.0f}s · load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(json.dumps({
        "connections": ours["sockets"],
        "group_members": len(members),
        "events": args.events,
        "delivery_p50_ms": ours["p50_ms"],
        "delivery_p95_ms": ours["p95_ms"],
        "delivery_max_ms": ours["max_ms"],
        "deliveries_per_s": ours["deliveries_per_s"],
        "lost": ours["lost"],
        "broadcast_rss_kb_per_conn": ours["rss_kb_per_conn"],
        "baseline_delivery_p50_ms": stock and stock["p50_ms"],
        "baseline_delivery_p95_ms": stock and stock["p95_ms"],
        "baseline_delivery_max_ms": stock and stock["max_ms"],
        "baseline_deliveries_per_s": stock and stock["deliveries_per_s"],
        "baseline_lost": stock and stock["lost"],
        "speedup_vs_baseline": speedup,
        "two_process_delivery_p50_ms": two and two["p50_ms"],
        "two_process_delivery_p95_ms": two and two["p95_ms"],
        "two_process_delivery_max_ms": two and two["max_ms"],
        "two_process_deliveries_per_s": two and two["deliveries_per_s"],
        "two_process_lost": two and two["lost"],
        "idle_connections_held": idle_result.get("held"),
        "idle_open_s": idle_result.get("open_s"),
        "rss_kb_per_conn": idle_result.get("rss_kb_per_conn"),
        "phases": results,
        "load_avg": [round(x, 2) for x in os.getloadavg()],
        "total_s": round(time.perf_counter() - STARTED, 1),
    }, ensure_ascii=False))


if __name__ == "__main__":
    main()

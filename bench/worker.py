"""How many tasks a `db_worker` process runs per second, with one and with two.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/yiban_worker_bench \\
    [REDIS_URL=redis://127.0.0.1:6379/12] .venv/bin/python bench/worker.py --tasks 600

Drops and recreates --db (default yiban_worker_bench), builds a class group of
--members students with a post each, and enqueues --tasks tasks in the mix that
publishing a post makes (fan-out to the members' timelines, search indexing, the
live push), round-robin over those posts. Then it starts one `manage.py
db_worker` (DEBUG off, no reloader) and times it draining the queue; then the
same tasks again with two workers. Tasks are idempotent, so the second round
does the same work. Prints tasks/s per round and a JSON line last.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)  # not bench/, whose graphql.py would shadow the library

from bench.common import drop_database, prepare_database, production_env, say  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=600)
    parser.add_argument("--members", type=int, default=40)
    parser.add_argument("--workers", default="1,2", help="worker counts to time, in order")
    parser.add_argument("--db", default="yiban_worker_bench")
    args = parser.parse_args()

    bench_url, server = prepare_database(args.db, measures="the task queue on PostgreSQL")
    overrides = {"DATABASE_URL": bench_url, "DJANGO_SETTINGS_MODULE": "yiban_core.settings",
                 **production_env()}
    os.environ.update(overrides)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_tasks_db.models import DBTaskResult

    from feeds import services as feeds
    from feeds.tasks import fan_out_post
    from realtime.tasks import push_new_post
    from tests.factories import actor_for, make_class_group, make_teacher, make_user
    from yiban_core.groups.services import join_by_code
    from yiban_core.search.tasks import index_object

    rounds = []
    try:
        call_command("migrate", verbosity=0, interactive=False)
        teacher = make_teacher("bench_teacher")
        group = make_class_group(teacher)
        posts = []
        for i in range(args.members):
            student = make_user(f"bench_s{i:03d}", school=teacher.school)
            join_by_code(actor=actor_for(student), code=group.join_code)
            posts.append(feeds.publish_post(actor=actor_for(student), text=f"第 {i} 条作业讨论",
                                            group=group))
        say(f"worker benchmark · {args.tasks} tasks · class of {args.members} · "
            f"Redis {'on' if os.environ.get('REDIS_URL') else 'off'} · "
            f"{os.cpu_count()} CPUs · PostgreSQL {connection.pg_version}")
        env = {**os.environ, **overrides, "PYTHONPATH": str(ROOT)}
        for workers in (int(n) for n in args.workers.split(",")):
            DBTaskResult.objects.all().delete()
            makers = [lambda p: fan_out_post.enqueue(post_id=p.pk),
                      lambda p: index_object.enqueue(kind="post", object_id=p.pk),
                      lambda p: push_new_post.enqueue(post_id=p.pk)]
            for i in range(args.tasks):
                makers[i % len(makers)](posts[(i // len(makers)) % len(posts)])
            processes = [subprocess.Popen(
                [sys.executable, "manage.py", "db_worker", "--no-startup-delay",
                 "--interval", "0.05", "--worker-id", f"bench-{n}"],
                cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                for n in range(workers)]
            started = time.perf_counter()
            try:
                while DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists():
                    if any(p.poll() is not None for p in processes):
                        raise SystemExit("a worker exited early")
                    time.sleep(0.05)
            finally:
                seconds = time.perf_counter() - started  # includes the workers' start-up
                for process in processes:
                    process.terminate()
                for process in processes:
                    process.wait(timeout=30)
            failed = DBTaskResult.objects.filter(status="FAILED").count()
            rate = args.tasks / seconds
            rounds.append({"workers": workers, "seconds": round(seconds, 2),
                           "tasks_per_s": round(rate, 1), "failed": failed})
            say(f"{workers} worker(s): {args.tasks} tasks in {seconds:.1f} s = {rate:.1f}/s"
                f" · failed {failed}")
    finally:
        drop_database(args.db, server)
    print(json.dumps({"bench": "worker", "tasks": args.tasks, "members": args.members,
                      "cpus": os.cpu_count(), "rounds": rounds}))


if __name__ == "__main__":
    main()

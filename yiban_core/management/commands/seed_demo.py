"""manage.py seed_demo: realistic Chinese demo data, and the benchmarks' scale knob.

    manage.py seed_demo                 # ~600 students in 6 schools
    manage.py seed_demo --users 10000   # what the benchmarks use
    manage.py seed_demo --seed 7        # another, equally deterministic, population

Why it writes the models directly instead of calling the services: it is a data
loader, not a user action. The services do one action at a time (permission
check, lock, notification, several queries); 10,000 users that way would take
many minutes. yiban_core.demo.loader bulk-inserts in batches with one shared
password hash, respects every database constraint, and recomputes the
denormalized counters from the rows so they are exact.

Idempotent: running it again with the same arguments creates nothing new; a
larger --users tops the demo up (plans are prefix-stable). A different --seed is
another population: use it on a fresh database, not on top of an existing demo.
Every demo account, the generated ones
included, has the password printed at the end.
"""

import time

from django.core.management.base import BaseCommand, CommandError

from yiban_core.demo import data
from yiban_core.demo.contributors import run_all
from yiban_core.demo.loader import load, summary
from yiban_core.demo.plan import build_plan

DEFAULT_STUDENTS = 600


class Command(BaseCommand):
    help = "Load realistic Chinese demo data (schools, teachers, students, groups, follows)."

    def add_arguments(self, parser):
        parser.add_argument("--users", type=int, default=DEFAULT_STUDENTS,
                            help=f"number of students (default {DEFAULT_STUDENTS})")
        parser.add_argument("--seed", type=int, default=2026,
                            help="seed of the random generator (default 2026)")
        parser.add_argument("--content-scale", type=float, default=1.0,
                            help="volume of posts, comments, resources... relative to the "
                                 "default demo (default 1; 0: people and groups only)")

    def handle(self, *args, users: int, seed: int, content_scale: float = 1.0, **options):
        if users < 1:
            raise CommandError("--users must be at least 1")
        started = time.perf_counter()
        plan = build_plan(students=users, seed=seed)
        created = load(plan)
        # Then the apps' content (posts, resources...): see yiban_core.demo.contributors.
        content = run_all(stdout=self.stdout, seed=seed, students=users, scale=content_scale)
        elapsed = time.perf_counter() - started
        counts = summary()
        out = self.stdout
        out.write(self.style.SUCCESS(
            f"演示数据就绪 demo data ready in {elapsed:.1f}s "
            f"(new users {created['new_users']}, new groups {created['new_groups']})"
        ))
        out.write(
            "  schools {schools} · students {students} (verified {verified_students}) · "
            "teachers {teachers} · school staff {school_staff}\n"
            "  groups: class {class_groups} · interest {interest_groups} · "
            "school {school_groups} · memberships {memberships} · "
            "pending requests {pending_requests} · follows {follows}".format(**counts)
        )
        for line in content:
            out.write(f"  {line}")
        out.write(f"演示账号 demo logins (password / 密码: {data.DEMO_PASSWORD}):")
        out.write(f"  {data.DEMO_STUDENT:<14} 学生, in a class group and a few interest groups")
        out.write(f"  {data.DEMO_TEACHER:<14} 教师, owns a class group")
        out.write(f"  {data.DEMO_ADMIN:<14} 站点管理员 (superuser, /admin/)")
        out.write(f"  {data.SCHOOLS[0].code + '_admin1':<14} {data.SCHOOLS[0].name}学校管理员")
        out.write("  every generated account (e.g. thu_t02, thu2023010102) uses the same password")

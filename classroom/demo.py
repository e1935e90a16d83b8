"""Demo content for check-ins (签到), registered with yiban_core.demo.contributors.

demo_teacher's class has a fortnight of roll calls, played through the real services
(start_checkin, check_in, mark_attendance) under a simulated clock, and closed as the
deferred task closes them (classroom.closing): most students on time, some late, a few
absent, one on leave (请假) and one checked in by the teacher (补签). Every other roll
call asks for the classroom's place, and the students' positions are on the records.

One check-in is open now, which demo_student has not done: it asks for no code and no
place, so it can be tried from any browser (a rotating code needs the classroom screen,
a place needs a phone in the classroom). It stays open for the longest a check-in may
(MAX_DURATION_MIN) from the seed, and it is the marker of a finished run: when it is
there, nothing is added.

Drawn from random.Random(f"{seed}:classroom"), so the same seed gives the same roll calls.
"""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from classroom import closing, services
from classroom.models import Attendance, Checkin
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.demo.cast import Cast, demo_cast
from yiban_core.demo.contributors import simulated_time
from yiban_core.errors import DomainError

BASE_SESSIONS = 6  # past roll calls at full scale
CLASS_DAYS = (0, 2, 4)  # Monday, Wednesday, Friday
PRESENT, LATE = 0.8, 0.1  # shares of the roll; the rest is absent
LEAVE, MAKEUP = 0.5, 0.3  # chances that a roll call has one on leave, one 补签
OPEN_NOW_SHARE = 0.6  # of the class, already checked in to the open one
# The classroom (清华大学第三教学楼), for the roll calls that ask for a place.
ROOM = (40.0026, 116.3290, 80)
MARKER = "数据结构 期末复习课签到"
LEAVE_NOTE = "病假，已交假条"
MAKEUP_NOTE = "手机没电，课上已点到"


def _near(rng: random.Random) -> tuple[float, float, float]:
    """A phone's fix in the classroom: a few tens of metres off, as indoors."""
    lat, lng, _ = ROOM
    return (lat + rng.uniform(-0.0002, 0.0002), lng + rng.uniform(-0.0002, 0.0002),
            rng.uniform(8, 40))


def _sessions(end, count: int) -> list:
    """The last `count` class days before today, 08:00 Beijing time, oldest first."""
    day = timezone.localtime(end).replace(hour=8, minute=0, second=0, microsecond=0)
    found = []
    while len(found) < count:
        day -= timedelta(days=1)
        if day.weekday() in CLASS_DAYS:
            found.append(day)
    return found[::-1]


def _roll_call(cast: Cast, rng: random.Random, clock, opens, *, place: bool,
               late_one: bool, done: dict) -> None:
    teacher = Actor.for_user(cast.teacher)
    clock.set(opens)
    title = f"数据结构 {opens.month}月{opens.day}日 课堂签到"
    room = {"latitude": ROOM[0], "longitude": ROOM[1], "radius_m": ROOM[2]} if place else {}
    checkin = services.start_checkin(actor=teacher, group=cast.class_group, title=title,
                                     duration_minutes=10, grace_minutes=3, **room)
    done["checkins"] += 1
    arrivals = []
    for user_id in [cast.student.pk, *cast.classmates]:
        roll = rng.random()
        if user_id == cast.student.pk:  # she is always there, once a little late
            roll = PRESENT + LATE / 2 if late_one else 0.0
        if roll < PRESENT:
            arrivals.append((rng.uniform(0, 170), user_id))
        elif roll < PRESENT + LATE:
            arrivals.append((rng.uniform(185, 590), user_id))
    users = User.objects.in_bulk([u for _, u in arrivals])
    for seconds, user_id in sorted(arrivals):
        clock.set(opens + timedelta(seconds=seconds))
        proof = {}
        if place:
            proof = dict(zip(("latitude", "longitude", "accuracy"), _near(rng), strict=True))
        try:
            services.check_in(actor=Actor.for_user(users[user_id]), checkin_id=checkin.pk,
                              **proof)
            done["attendance"] += 1
        except DomainError:
            done["skipped"] += 1
    clock.set(checkin.closes_at)
    closing.finalize(checkin_id=checkin.pk)  # as the deferred task does at closes_at
    absent = list(Attendance.objects.filter(checkin=checkin, status=Attendance.Status.ABSENT)
                  .order_by("user_id").select_related("user"))
    marks = [(status, note) for status, note, chance in (
        (Attendance.Status.EXCUSED, LEAVE_NOTE, LEAVE),
        (Attendance.Status.PRESENT, MAKEUP_NOTE, MAKEUP)) if rng.random() < chance]
    for record, (status, note) in zip(rng.sample(absent, min(len(absent), len(marks))), marks,
                                      strict=True):
        clock.set(checkin.closes_at + timedelta(minutes=rng.randint(5, 90)))
        services.mark_attendance(actor=teacher, checkin_id=checkin.pk,
                                 username=record.user.username, status=status, note=note)
        done["marked"] += 1


def _open_now(cast: Cast, rng: random.Random, clock, opens) -> None:
    clock.set(opens)
    checkin = services.start_checkin(
        actor=Actor.for_user(cast.teacher), group=cast.class_group, title=MARKER,
        duration_minutes=services.MAX_DURATION_MIN, grace_minutes=services.MAX_DURATION_MIN)
    early = rng.sample(cast.classmates, round(len(cast.classmates) * OPEN_NOW_SHARE))
    users = User.objects.in_bulk(early)
    for seconds, user_id in sorted((rng.uniform(20, 900), u) for u in early):
        clock.set(opens + timedelta(seconds=seconds))
        services.check_in(actor=Actor.for_user(users[user_id]), checkin_id=checkin.pk)


def contribute(*, stdout, seed: int, students: int, scale: float) -> str | None:
    """Past roll calls of demo_teacher's class with their attendance, and one open now."""
    cast = demo_cast()
    if cast is None:
        return None
    if Checkin.objects.filter(group=cast.class_group, title=MARKER).exists():
        return "签到 classroom: already seeded, nothing added"
    rng = random.Random(f"{seed}:classroom")
    end = timezone.now() - timedelta(minutes=1)
    count = max(2, min(12, round(BASE_SESSIONS * scale)))
    days = _sessions(end, count)
    done: dict[str, int] = defaultdict(int)
    with simulated_time(days[0] - timedelta(minutes=5)) as clock, transaction.atomic():
        for k, opens in enumerate(days):
            _roll_call(cast, rng, clock, opens, place=k % 2 == 1, late_one=k == 1, done=done)
        _open_now(cast, rng, clock, end - timedelta(minutes=16))
        clock.set(end)
    return ("签到 classroom: check-ins {checkins} (and one open now) · checked in {attendance} · "
            "marked by hand {marked} · skipped {skipped}".format_map(defaultdict(int, done)))

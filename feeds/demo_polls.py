"""The demo's polls (投票) and announcement read receipts (已读回执), planned into the
feeds demo (feeds/demo.py) rather than added after it: a poll is a post, and the posts'
ids grow with their times, so a poll from last week is written in last week's place.

In demo_teacher's class group:
- a poll that closed last week, with most of the class's votes (demo_student's too);
- 期末复习课时间投票, open for a few more days, which demo_student has not voted on;
- an announcement most of the class has read, and the pinned exam announcement (the
  feeds demo's marker) read by some so far, not by demo_student.

Drawn from its own random.Random(f"{seed}:feeds:polls"), so adding it left the rest of
the feeds demo as it was.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from django.utils import timezone

from feeds.poll_services import PollSpec

CLOSED_POLL = ("【投票】下周的数据结构实验课想安排在哪个时间？少数服从多数，周五公布结果。",
               ("周三下午 2:00（原时间）", "周四晚上 7:00", "周五上午 10:00"), (5, 2, 3))
OPEN_POLL = ("【投票】期末复习课时间投票：下周末加一次复习课，大家哪个时间方便？可多选，"
             "周三前投完。#期末复习#",
             ("周六上午 9:00—11:30", "周六下午 2:00—4:30", "周日上午 9:00—11:30",
              "周日晚上 7:00—9:00"), (4, 3, 2, 2))
ANNOUNCEMENT = ("【公告】寒假离校安全须知：离校前关好门窗、拔掉电源，返乡途中注意人身和财产安全，"
                "到家后在班级群报平安。")
CLOSED_VOTERS, OPEN_VOTERS = 0.8, 0.55  # shares of the class's students
ANNOUNCEMENT_READERS, MARKER_READERS = 0.85, 0.4


def plan(planner, marker) -> None:
    """Add the polls, votes and reads to the feeds demo's plan (`planner`, a feeds.demo
    planner with its class group; `marker`, the planned pinned exam announcement)."""
    group = planner.class_group
    if group is None:
        return
    rng = random.Random(f"{planner.seed}:feeds:polls")
    teacher, student = planner.teacher, planner.student
    students = [u for u in planner.members[group.pk]
                if planner.users[u].role == student.role and u != student.pk]

    def daytime(days_ago: int) -> datetime:
        """A moment in class hours (Beijing time) `days_ago` days before the end."""
        day = timezone.localtime(planner.end) - timedelta(days=days_ago)
        at = day.replace(hour=rng.randint(9, 17), minute=rng.randint(0, 59), second=0,
                         microsecond=0)
        return min(at, planner.end - timedelta(hours=2))

    def poll(at: datetime, spec, closes_in: timedelta, *, multiple: bool):
        text, options, weights = spec
        event = planner.add_post(at=at, author=teacher, text=text, theme="announce",
                                 group_id=group.pk, heat=2,
                                 poll=PollSpec(options=list(options), closes_at=at + closes_in,
                                               multiple=multiple))
        return event, weights

    def votes(post, weights, voters, start: datetime, end: datetime, multiple: bool):
        for user_id in voters:
            picks = rng.choices(range(len(weights)), weights, k=2 if multiple else 1)
            planner.add(at=start + (end - start) * rng.random(), kind="vote",
                        actor_id=user_id, post=post.post, options=tuple(sorted(set(picks))))

    def reads(post, readers, start: datetime, end: datetime):
        for user_id in readers:
            planner.add(at=start + (end - start) * rng.random(), kind="read",
                        actor_id=user_id, post=post.post)

    # Last week's, closed: the class voted over two days, demo_student among them.
    at = daytime(11)
    closed, weights = poll(at, CLOSED_POLL, timedelta(days=2), multiple=False)
    voters = [student.pk, *rng.sample(students, round(len(students) * CLOSED_VOTERS))]
    votes(closed, weights, voters, at + timedelta(minutes=2), at + timedelta(days=2, minutes=-5),
          False)
    planner.add(at=at + timedelta(days=2, minutes=1), kind="close_poll", actor_id=teacher.pk,
                post=closed.post)

    # An announcement (pinned when published), read by most of the class.
    at = daytime(8)
    notice = planner.add_post(at=at, author=teacher, text=ANNOUNCEMENT, theme="announce",
                              group_id=group.pk, heat=2, announce=True)
    reads(notice, [student.pk, *rng.sample(students, round(len(students) *
                                                           ANNOUNCEMENT_READERS))],
          at + timedelta(minutes=1), at + timedelta(days=2))

    # Open now, for a few more days; demo_student has not voted.
    at = daytime(1)
    open_poll, weights = poll(at, OPEN_POLL, timedelta(days=4), multiple=True)
    votes(open_poll, weights, rng.sample(students, round(len(students) * OPEN_VOTERS)),
          at + timedelta(minutes=2), planner.end - timedelta(minutes=40), True)

    # The pinned exam announcement: some have read it so far.
    pinned = marker.at + timedelta(minutes=1)
    reads(marker, rng.sample(students, round(len(students) * MARKER_READERS)),
          pinned + timedelta(minutes=1), planner.end)

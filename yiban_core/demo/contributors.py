"""Demo content from the apps above the core, without the core importing them.

The core demo (schools, people, groups, follows) is written by loader.py. Apps
built on the core (feeds, resources) add their own demo content by registering
a contributor in their AppConfig.ready():

    from yiban_core.demo.contributors import CONTRIBUTORS
    CONTRIBUTORS.append(feeds.demo.contribute)

seed_demo then calls every contributor, in registration order (INSTALLED_APPS
order), after the core data is in place, with the same keyword arguments:

    contribute(stdout=..., seed=2026, students=600, scale=1.0) -> str | None

`scale` is the content volume relative to the default demo (0 turns content
off). A contributor must be idempotent on its own (detect its content and skip)
and may return a one-line summary for the command's output.

Also here: `simulated_time`, the clock contributors use to spread their
content over the past days while calling the real services.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Protocol
from unittest import mock

from django.test.utils import override_settings
from django.utils import timezone

from yiban_core import ratelimit


class Contributor(Protocol):
    def __call__(self, *, stdout, seed: int, students: int, scale: float) -> str | None: ...


CONTRIBUTORS: list[Callable[..., str | None]] = []

# Tasks run at once while content is generated, at the simulated time: notifications
# and fan-out get the time of the action that caused them, not of a later worker run.
_IMMEDIATE_TASKS = {
    "default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
                "QUEUES": ["default"]},
}


class SimulatedClock:
    """A settable "now": every `timezone.now()` (auto_now_add fields, daily caps,
    download days, pin times) answers it while the clock is installed."""

    def __init__(self, start: datetime):
        self.now = start

    def set(self, moment: datetime) -> None:
        # Never backwards: ids grow with time, so created_at must too.
        self.now = max(self.now, moment)

    def __call__(self) -> datetime:
        return self.now


@contextlib.contextmanager
def simulated_time(start: datetime) -> Iterator[SimulatedClock]:
    """Install a SimulatedClock and run background tasks immediately, for a data loader."""
    clock = SimulatedClock(start)
    tasks_log = logging.getLogger("django_tasks")  # not a line per task, thousands of them
    level = tasks_log.level
    tasks_log.setLevel(logging.WARNING)
    try:
        # Two weeks replayed in minutes are not a burst: the rate limits stay out of it.
        with mock.patch.object(timezone, "now", clock), \
                override_settings(TASKS=_IMMEDIATE_TASKS), ratelimit.paused():
            yield clock
    finally:
        tasks_log.setLevel(level)


def run_all(*, stdout, seed: int, students: int, scale: float) -> list[str]:
    """Call every registered contributor; their summaries, in order."""
    if scale <= 0:
        return []
    lines = []
    for contribute in CONTRIBUTORS:
        line = contribute(stdout=stdout, seed=seed, students=students, scale=scale)
        if line:
            lines.append(line)
    return lines

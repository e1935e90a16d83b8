"""Leaderboard windows in the site's time zone: today, this week (from Monday),
this month, all time."""

from datetime import datetime, timedelta

from django.utils import timezone

WINDOWS = ("day", "week", "month", "all")


def window_start(window: str, now: datetime | None = None) -> datetime | None:
    now = timezone.localtime(now or timezone.now())
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    if window == "day":
        return midnight
    if window == "week":
        return midnight - timedelta(days=midnight.weekday())
    if window == "month":
        return midnight.replace(day=1)
    if window == "all":
        return None
    raise ValueError(window)


def bucket(window: str, when: datetime | None = None) -> str:
    """The Redis key part naming the window a moment falls in."""
    start = window_start(window, when)
    return "all" if start is None else start.strftime("%Y%m%d")

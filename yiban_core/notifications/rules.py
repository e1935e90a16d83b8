"""Quiet hours (免打扰时段) of minors mode: when a notification is not pushed live.

From settings.MINORS_QUIET_HOURS (22:00 to 07:00 school time) a person in minors mode
(yiban_core.accounts.rules.is_minor) gets no live push of a new notification: no frame on
their sockets, so no badge bump or sound on an open page, and a socket that reconnects
is not caught up either (realtime's `resume`). Everything is stored as usual: the
notifications page, the badge of a page they open themselves, and a socket's catch-up
after the quiet hours show it all. The unread count falling (read in another tab) is
still pushed: that follows the person's own action. Direct messages are not held: they
come only from people a minor hears from (messages.rules.minor_hears_from) and stopping a
conversation half-way through would confuse more than it protects.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from yiban_core.accounts.models import User
from yiban_core.accounts.rules import minor_q


def in_quiet_hours(now: datetime | None = None) -> bool:
    """Whether `now` (school time) is inside the quiet hours; they may run past midnight."""
    start, end = settings.MINORS_QUIET_HOURS
    hour = timezone.localtime(now or timezone.now()).hour
    if start <= end:
        return start <= hour < end
    return hour >= start or hour < end


def held_recipients(user_ids: Iterable[int], now: datetime | None = None) -> frozenset[int]:
    """Those of `user_ids` whose live notification pushes are held right now."""
    ids = list(user_ids)
    if not ids or not in_quiet_hours(now):
        return frozenset()
    today = timezone.localdate(now or timezone.now())
    return frozenset(User.objects.filter(minor_q(today=today), pk__in=ids)
                     .values_list("pk", flat=True))


def live_push_held(user: User | None, now: datetime | None = None) -> bool:
    return user is not None and bool(held_recipients([user.pk], now))

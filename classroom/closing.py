"""Closing a check-in: an `absent` record for each student on the roll who has none, then
the domain event CheckinClosed (webhook `checkin.closed`).

It happens when a teacher closes the check-in (services.close_checkin), or once its
closing time has passed: a task deferred to the closing time (tasks.schedule_close),
a periodic sweep (yiban_core/periodic.py) in case that task was lost, and any read of
the check-in (selectors), whichever comes first; closing twice does nothing.
"""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from classroom.models import Attendance, Checkin
from yiban_core import events
from yiban_core.accounts.models import User
from yiban_core.groups.models import Group, Membership


def finalize(*, checkin_id: int) -> bool:
    """Close a check-in whose time is up: the absent written, CheckinClosed sent. Idempotent
    (False: not due, or closed already)."""
    now = timezone.now()
    with transaction.atomic():
        checkin = Checkin.objects.select_for_update().filter(pk=checkin_id).first()
        if checkin is None or checkin.closed_at is not None or checkin.closes_at > now:
            return False
        recorded = Attendance.objects.filter(checkin=checkin).values("user_id")
        roll = (Membership.objects.filter(group_id=checkin.group_id,
                                          user__role=User.Role.STUDENT)
                .exclude(user_id__in=recorded).values_list("user_id", flat=True))
        Attendance.objects.bulk_create(
            [Attendance(checkin=checkin, user_id=uid, status=Attendance.Status.ABSENT)
             for uid in roll], ignore_conflicts=True)
        checkin.closed_at = now
        checkin.save(update_fields=["closed_at"])
        school_id = Group.objects.filter(pk=checkin.group_id).values_list(
            "school_id", flat=True).first()
        events.send(events.CheckinClosed(checkin_id=checkin.pk, group_id=checkin.group_id,
                                         school_id=school_id))
    return True


def close_due() -> int:
    """Close every check-in whose time is up (the periodic sweep); how many closed."""
    due = Checkin.objects.filter(closed_at__isnull=True, closes_at__lte=timezone.now())
    return sum(finalize(checkin_id=pk) for pk in due.values_list("pk", flat=True))

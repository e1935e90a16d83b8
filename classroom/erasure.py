"""What a cancelled account leaves in classroom (yiban_core/privacy/closure.py).

A student's attendance records stay, so that a class's past check-ins still add up
(30 of 32 present) and a teacher's export of a past session is the same, but nothing of
the person is in them any more: the place, the accuracy and distance of the fix and the
device are cleared, and the row names the anonymised account (已注销用户, no 学号). The
check-ins a teacher ran, and the marks they made by hand, stay as the class's record."""

from __future__ import annotations

from classroom.models import Attendance
from yiban_core.privacy.registry import erasure


@erasure("classroom")
def erase(user, keep_content: bool) -> None:
    Attendance.objects.filter(user=user).update(
        latitude=None, longitude=None, accuracy_m=None, distance_m=None, device_hash=None,
        note="")

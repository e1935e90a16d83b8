"""The demo's leading people, as the apps' contributors look them up: demo_student,
demo_teacher and the class group he runs that she is in (the first planned class)."""

from __future__ import annotations

from dataclasses import dataclass

from yiban_core.accounts.models import User
from yiban_core.demo import data
from yiban_core.groups.models import Group, Membership


@dataclass(frozen=True)
class Cast:
    student: User
    teacher: User
    class_group: Group
    classmates: list[int]  # the class's other students, by id, in id order


def demo_cast() -> Cast | None:
    """None when the core demo is not there (no demo logins, or no such class)."""
    people = {u.username: u for u in User.objects.filter(
        username__in=(data.DEMO_STUDENT, data.DEMO_TEACHER))}
    student, teacher = people.get(data.DEMO_STUDENT), people.get(data.DEMO_TEACHER)
    if student is None or teacher is None:
        return None
    group = (Group.objects.filter(kind=Group.Kind.CLASS, owner=teacher,
                                  memberships__user=student).order_by("pk").first())
    if group is None:
        return None
    classmates = list(Membership.objects.filter(group=group, user__role=User.Role.STUDENT,
                                                user__is_active=True)
                      .exclude(user=student).order_by("user_id")
                      .values_list("user_id", flat=True))
    return Cast(student=student, teacher=teacher, class_group=group, classmates=classmates)

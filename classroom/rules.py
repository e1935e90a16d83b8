"""Who may do what with check-ins: asked by the services, the selectors and the pages.

- A check-in is started, closed and its attendance corrected by whoever runs the
  class: the class group's owner and admins (群主、管理员, e.g. the class monitor) and
  the teachers who are its members.
- The roll (who is expected to check in) is the group's members whose account is a
  student's; teachers and school staff in the group are never counted absent.
- A school app reads the check-ins of its own school's class groups (scope
  classroom:read), never another school's or an interest group's.
- What a place check-in keeps (`kept_reading`): for a person in minors mode only the
  result, never where they were.
"""

from __future__ import annotations

import math

from yiban_core.accounts.models import User
from yiban_core.accounts.rules import is_minor
from yiban_core.actor import Actor
from yiban_core.groups.models import Group, Membership


def runs_class(actor: Actor, group: Group, role: str | None) -> bool:
    return (actor.user is not None and group.kind == Group.Kind.CLASS and role is not None
            and (role in Membership.MANAGER_ROLES or actor.user.role == User.Role.TEACHER))


def on_roll(user: User | None, role: str | None) -> bool:
    return user is not None and role is not None and user.role == User.Role.STUDENT


def school_app_reads(actor: Actor, group: Group) -> bool:
    return (actor.user is None and actor.school is not None
            and group.kind == Group.Kind.CLASS and group.school_id == actor.school.pk)


DISTANCE_BAND_M = 50  # a minor's distance is kept as "within 50 m", "within 100 m" ...


def kept_reading(user: User, *, latitude: float, longitude: float, accuracy_m: float,
                 distance_m: float) -> dict:
    """What an accepted place check-in stores. For a person in minors mode (未成年人模式:
    no location kept beyond the check-in itself) only the result: no coordinates, the
    distance rounded up to its DISTANCE_BAND_M band, the accuracy to whole metres; the
    teacher still sees that they were in range. Everyone else: as the browser sent it."""
    if is_minor(user):
        band = max(1, math.ceil(distance_m / DISTANCE_BAND_M)) * DISTANCE_BAND_M
        return {"latitude": None, "longitude": None, "accuracy_m": float(round(accuracy_m)),
                "distance_m": float(band)}
    return {"latitude": latitude, "longitude": longitude, "accuracy_m": accuracy_m,
            "distance_m": round(distance_m, 1)}

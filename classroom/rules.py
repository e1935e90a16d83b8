"""Who may do what with check-ins: asked by the services, the selectors and the pages.

- A check-in is started, closed and its attendance corrected by whoever runs the
  class: the class group's owner and admins (群主、管理员, e.g. the class monitor) and
  the teachers who are its members.
- The roll (who is expected to check in) is the group's members whose account is a
  student's; teachers and school staff in the group are never counted absent.
- A school app reads the check-ins of its own school's class groups (scope
  classroom:read), never another school's or an interest group's.
"""

from __future__ import annotations

from yiban_core.accounts.models import User
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

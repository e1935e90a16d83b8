"""Who may supervise a record and who may read signed ones: the one place these rules live.

- Supervisor: an active teacher whose school has verified them (工号) at the
  record's school. Self-declared membership is not enough, because a signature
  vouches for the hours to the school. Not the student themself.
- Signed records (the growth record, 成长档案) are read by the student, the
  teacher who signed them, the school's administrators and its verified
  teachers and staff (a school's records are about that school's students,
  whatever school the student is in now), and school apps installed by that
  school with the scope `school:training`. Nobody else, and no public option.
- Records that are not signed yet are read only by their student and, once
  submitted (or returned), by the supervisor they were submitted to.

Users acting through a token also need `training:read` (checked in selectors).
"""

from __future__ import annotations

from django.db.models import Q

from openapi_plugins.vocational.models import TrainingRecord
from yiban_core.accounts.models import User
from yiban_core.actor import Actor

SCHOOL_READER_ROLES = frozenset({User.Role.TEACHER, User.Role.STAFF})


def can_supervise(teacher: User | None, *, student: User, school_id: int) -> bool:
    return (teacher is not None and teacher.is_active and teacher.pk != student.pk
            and teacher.role == User.Role.TEACHER and teacher.is_verified
            and teacher.school_id == school_id)


def supervisors_at(school_id: int):
    """Everyone who may supervise records of this school (before excluding the student)."""
    return User.objects.filter(is_active=True, role=User.Role.TEACHER, school_id=school_id,
                               verified_at__isnull=False)


def schools_read_by(actor: Actor) -> set[int]:
    """The schools whose students' signed records the actor reads as the school does."""
    if actor.user is None:
        if actor.school is not None and actor.has_scope("school:training"):
            return {actor.school.pk}  # a school app
        return set()
    user = actor.user
    ids = set(user.administered_schools.values_list("pk", flat=True))
    if user.role in SCHOOL_READER_ROLES and user.is_verified and user.school_id:
        ids.add(user.school_id)
    return ids


def signed_records_q(actor: Actor) -> Q:
    """The signed records the actor may read, as a filter."""
    visible = Q(school_id__in=schools_read_by(actor))
    if actor.user is not None:
        visible |= Q(student=actor.user) | Q(signed_by=actor.user)
    return Q(status=TrainingRecord.Status.SIGNED) & visible


def can_read(actor: Actor, record: TrainingRecord) -> bool:
    """Any record: its student; the supervisor once submitted; signed ones as above."""
    user_id = actor.user_id
    if user_id is not None and record.student_id == user_id:
        return True
    if record.status == TrainingRecord.Status.SIGNED:
        signed_it = user_id is not None and record.signed_by_id == user_id
        return signed_it or record.school_id in schools_read_by(actor)
    return (user_id is not None and record.supervisor_id == user_id
            and record.status in (TrainingRecord.Status.SUBMITTED,
                                  TrainingRecord.Status.RETURNED))

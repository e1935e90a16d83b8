"""What classroom keeps about a person: their attendance at each check-in (with the place
they checked in from, which is theirs), and the check-ins they started as a teacher. The
code secret of a check-in and the device fingerprint are never exported."""

from django.utils.translation import gettext_lazy as _

from classroom.models import Attendance, Checkin
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, rows


def _attendance(record: Attendance) -> dict:
    return {
        "checkin": record.checkin.title, "group": record.checkin.group.name,
        "opens_at": iso(record.checkin.opens_at), "status": record.get_status_display(),
        "checked_in_at": iso(record.checked_in_at), "latitude": record.latitude,
        "longitude": record.longitude, "accuracy_m": record.accuracy_m,
        "distance_m": record.distance_m, "note": record.note,
        "marked_by_teacher": record.marked_by_id not in (None, record.user_id),
    }


def _checkin(checkin: Checkin) -> dict:
    return {"id": checkin.pk, "title": checkin.title, "group": checkin.group.name,
            "opens_at": iso(checkin.opens_at), "closes_at": iso(checkin.closes_at),
            "closed_at": iso(checkin.closed_at)}


def export(user) -> dict:
    return {
        "attendance": rows(Attendance.objects.filter(user=user)
                           .select_related("checkin__group").order_by("pk"), _attendance),
        "checkins_started": rows(Checkin.objects.filter(started_by=user)
                                 .select_related("group").order_by("pk"), _checkin),
    }


declare(Declaration(app="classroom", title=_("课堂签到"), models=[Checkin, Attendance],
                    export=export))

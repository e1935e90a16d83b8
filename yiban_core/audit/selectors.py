"""Reading the audit log: a school's administrators read their school's entries (the CSV
export), site admins read everything in the admin site."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from yiban_core.accounts.models import School
from yiban_core.accounts.selectors import is_school_admin
from yiban_core.actor import Actor
from yiban_core.audit.models import AuditEntry
from yiban_core.errors import Invalid, PermissionDenied

MAX_EXPORT_DAYS = 366


def _day_start(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def school_log(*, actor: Actor, school: School, since: date, until: date
               ) -> QuerySet[AuditEntry]:
    """The school's entries from the first day to the last (both included, the site's
    time zone), oldest first. Only in a web session of the school's administrator."""
    if actor.scopes is not None or not is_school_admin(actor.user, school):
        raise PermissionDenied(_("只有该校管理员可以导出审计日志"))
    if since > until:
        raise Invalid(_("开始日期不能晚于结束日期"), field="since")
    if (until - since).days >= MAX_EXPORT_DAYS:
        raise Invalid(_("一次最多导出 %(n)d 天") % {"n": MAX_EXPORT_DAYS}, field="until")
    return (AuditEntry.objects.filter(school=school, at__gte=_day_start(since),
                                      at__lt=_day_start(until + timedelta(days=1)))
            .select_related("app").order_by("at", "id"))

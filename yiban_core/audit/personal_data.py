"""A person's security log: the audit-log entries of what they did (sign-ins, failed
sign-ins, tokens, admin actions), with the address they came from (theirs); and their
own actions on /admin/. What was done to whom is left out when it names another person:
only the kind of object is given."""

from django.contrib.admin.models import LogEntry
from django.utils.translation import gettext_lazy as _

from yiban_core.audit.models import ACTIONS, AuditEntry
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import iso, rows


def _entry(entry: AuditEntry) -> dict:
    return {"at": iso(entry.at), "action": str(ACTIONS.get(entry.action, entry.action)),
            "code": entry.action, "outcome": entry.get_outcome_display(),
            "ip": entry.ip, "target_type": entry.target_type}


def _admin_action(entry: LogEntry) -> dict:
    flags = {LogEntry.ADDITION: _("新增"), LogEntry.CHANGE: _("修改"),
             LogEntry.DELETION: _("删除")}
    return {"at": iso(entry.action_time), "action": str(flags.get(entry.action_flag, "")),
            "object_type": str(entry.content_type) if entry.content_type_id else ""}


def export(user) -> dict:
    return {
        "security_log": rows(AuditEntry.objects.filter(actor_id=user.pk).order_by("at", "pk"),
                             _entry),
        "admin_actions": rows(LogEntry.objects.filter(user=user).select_related("content_type")
                              .order_by("pk"), _admin_action),
    }


declare(Declaration(app="audit", title=_("安全日志"), models=[AuditEntry, LogEntry],
                    export=export))

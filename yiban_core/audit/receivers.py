"""What the audit log listens to besides the services that call `record` themselves:
logins (django.contrib.auth's signals, which django-axes's lockout goes through too) and
the admin site's own log (LogEntry rows, written in the admin's transaction)."""

from __future__ import annotations

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.db.models.signals import post_save

from yiban_core import events
from yiban_core.audit.models import Outcome
from yiban_core.audit.services import record
from yiban_core.moderation.models import Case
from yiban_core.ratelimit import client_ip

ADMIN_ACTIONS = {ADDITION: "admin.add", CHANGE: "admin.change", DELETION: "admin.delete"}


def _ip(request) -> str | None:
    return client_ip(request) if request is not None else None


def on_logged_in(sender, request, user, **kwargs) -> None:
    record("login.succeeded", user=user, target=user, school=user.verified_school_id,
           ip=_ip(request))


def _login_attempt(action: str, username: str, request, outcome: str) -> None:
    username = str(username or "")[:150]
    user = get_user_model().objects.filter(username=username).first() if username else None
    record(action, user=user, username=username, target=user,
           school=user.verified_school_id if user else None, ip=_ip(request), outcome=outcome)


def on_login_failed(sender, credentials, request=None, **kwargs) -> None:
    _login_attempt("login.failed", credentials.get("username"), request, Outcome.FAILURE)


def on_locked_out(sender, request=None, username=None, **kwargs) -> None:
    """django-axes: this username and address reached the limit of failures, or tried again
    while locked out (each such attempt is refused before any password is checked)."""
    _login_attempt("login.locked_out", username, request, Outcome.DENIED)


def schools_of(model, pks) -> dict[str, int | None]:
    """The school each row belongs to (a school's own word list, say), by pk as text."""
    if model is None:
        return {}
    if model._meta.label == "accounts.School":
        return {str(pk): pk for pk in model._base_manager.filter(pk__in=pks)
                .values_list("pk", flat=True)}
    if any(f.name == "school" and f.is_relation for f in model._meta.fields):
        return {str(pk): school_id for pk, school_id in
                model._base_manager.filter(pk__in=pks).values_list("pk", "school_id")}
    return {}


def record_admin_entry(entry: LogEntry, school_id: int | None = None) -> None:
    """One audit entry for one of the admin site's LogEntry rows. A deletion is logged by
    the admin before the row goes, so its school is still there to read (the bulk delete
    reads them before and passes each)."""
    model = entry.content_type.model_class() if entry.content_type_id else None
    if school_id is None and entry.object_id:
        school_id = schools_of(model, [entry.object_id]).get(str(entry.object_id))
    record(ADMIN_ACTIONS.get(entry.action_flag, "admin.change"), user=entry.user,
           target_type=(f"{entry.content_type.app_label}.{entry.content_type.model}"
                        if entry.content_type_id else ""),
           target_id=entry.object_id or "", target_text=entry.object_repr,
           school=school_id, detail={"message": entry.get_change_message()})


def on_admin_log_entry(sender, instance: LogEntry, created: bool, raw=False, **kwargs) -> None:
    if created and not raw:
        record_admin_entry(instance)


def on_moderation_decided(event) -> None:
    """A case decided (or its appeal), with the sanction it carried (a warning, a mute, a
    suspension, a group ban): inside the decision's transaction."""
    case = Case.objects.select_related("target_type", "decided_by").get(pk=event.case_id)
    record("moderation.appeal_decided" if case.appeal_decided else "moderation.decided",
           user=case.decided_by,
           target_type=f"{case.target_type.app_label}.{case.target_type.model}",
           target_id=case.target_id, target_text=case.excerpt, school=case.school_id,
           detail={"case": case.pk, "decision": case.decision, "reason": case.reason[:500],
                   "mute_days": case.mute_days, "group": case.group_id,
                   "author": case.author_id})


def connect() -> None:
    user_logged_in.connect(on_logged_in, dispatch_uid="audit_logged_in")
    user_login_failed.connect(on_login_failed, dispatch_uid="audit_login_failed")
    user_locked_out.connect(on_locked_out, dispatch_uid="audit_locked_out")
    post_save.connect(on_admin_log_entry, sender=LogEntry, dispatch_uid="audit_admin_log")
    events.subscribe(events.ModerationDecided, on_moderation_decided, durable=True)

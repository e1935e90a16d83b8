"""The access log a person reads in settings (访问记录): reads of their real name or 学号 by
an app or a school administrator, their sign-ins, and attempts on their data that were
refused. A refused attempt also goes to the security log (logger and audit log)."""

from __future__ import annotations

import ipaddress

from yiban_core.audit.context import get_ip
from yiban_core.privacy.models import AccessRecord
from yiban_core.verification.security import DENIED, security_event


def network(ip: str | None) -> str:
    """The address at city level at most: its /24 (IPv4) or /48 (IPv6) network."""
    if not ip:
        return ""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ""
    prefix = 24 if address.version == 4 else 48
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))


def _who(actor) -> dict:
    """The actor as the access log names it: the person, the app (kept by name too, so
    the entry reads the same after the app is deleted)."""
    if actor is None:
        return {}
    user, app_id = actor.user, actor.app_id
    name = ""
    if app_id is not None:
        from oauth2_provider.models import get_application_model

        name = (get_application_model().objects.filter(pk=app_id)
                .values_list("name", flat=True).first() or "")
    elif user is not None:
        name = user.username
    return {"by_user": user, "by_app_id": app_id, "by_name": name}


def record_refused(person, action: str, *, actor=None, request=None,
                   detail: dict | None = None) -> None:
    """An attempt on `person`'s data that was refused (another person's export link, an app
    reading a real name after consent was withdrawn, a second cancellation): in their
    access log and the security log. Call it outside the transaction that refused."""
    if actor is None and request is not None:
        actor = getattr(request, "actor", None)
    if person is not None:
        AccessRecord.objects.create(person=person, kind=AccessRecord.Kind.REFUSED,
                                    action=action, place=network(get_ip()),
                                    detail=detail or {}, **_who(actor))
    security_event(f"privacy.{action}", actor=actor, target=person, outcome=DENIED,
                   detail=detail)

"""The access log a person reads in settings (访问记录): reads of their real name or 学号 by
an app or a school administrator, their sign-ins, and attempts on their data that were
refused. A refused attempt also goes to the security log (logger and audit log).

Reads made while a request is served are gathered and written together when it ends
(AccessLogMiddleware), so a console page of 50 people is one INSERT, however many places
on the page read them; outside a request (a task sending webhooks) each call writes at
once, one INSERT for the people it names. A person reading their own data in their own
session is not logged; an app reading it with their token is.

Place is city level at most: the /24 (IPv4) or /48 (IPv6) network, and the city when a
GeoIP2/MaxMind City database is configured (settings.GEOIP_CITY_DB). Device is the
browser and system from the User-Agent (ua-parser). Reads keep neither: the reader's
address is the reader's own data, not the person's."""

from __future__ import annotations

import contextvars
import ipaddress
import logging
from collections.abc import Iterable
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django_tasks import task

from yiban_core.audit.context import get_ip
from yiban_core.audit.services import retention_cutoff
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.privacy.models import AccessRecord
from yiban_core.ratelimit import client_ip
from yiban_core.verification.security import DENIED, security_event

logger = logging.getLogger(__name__)

MEMBER_NUMBER = "member_number"
REAL_NAME = "real_name"
PRUNE_BATCH = 5_000

# The reads of the request being served, by (person, action, reader): written at its end.
_pending: contextvars.ContextVar[dict | None] = contextvars.ContextVar("access_reads",
                                                                       default=None)


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


@lru_cache(maxsize=4)
def _city_reader(path: str):
    import geoip2.database  # only when a database is configured

    return geoip2.database.Reader(path, locales=["zh-CN", "en"])


def city(ip: str | None) -> str:
    """The city of `ip` in the configured GeoIP2 City database, or "" (none configured,
    an address it does not know, a database that cannot be read)."""
    path = getattr(settings, "GEOIP_CITY_DB", "")
    if not path or not ip:
        return ""
    try:
        found = _city_reader(path).city(ip)
    except Exception:  # unknown or private address, unreadable file: the network is enough
        return ""
    return found.city.name or ""


def place(ip: str | None) -> str:
    """'武汉 203.0.113.0/24', or the network alone when the city is not known."""
    net = network(ip)
    town = city(ip) if net else ""
    return (f"{town} {net}" if town else net)[:60]


@lru_cache(maxsize=512)
def device(user_agent: str) -> str:
    """'Chrome Mobile 120 · Android 14': browser and system, nothing finer."""
    if not user_agent:
        return ""
    from ua_parser import parse

    found = parse(user_agent[:1000])
    parts = []
    if found.user_agent and found.user_agent.family != "Other":
        parts.append(" ".join(filter(None, [found.user_agent.family, found.user_agent.major])))
    if found.os and found.os.family != "Other":
        parts.append(" ".join(filter(None, [found.os.family, found.os.major])))
    return " · ".join(parts)[:80]


def _app_name(app_id: int) -> str:
    from oauth2_provider.models import get_application_model

    return (get_application_model().objects.filter(pk=app_id)
            .values_list("name", flat=True).first() or "")


def _who(actor) -> dict:
    """The actor as the access log names it: the person, the app (kept by name too, so
    the entry reads the same after the app is deleted)."""
    if actor is None:
        return {}
    user, app_id = actor.user, actor.app_id
    name = ""
    if app_id is not None:
        name = _app_name(app_id)
    elif user is not None:
        name = user.username
    return {"by_user": user, "by_app_id": app_id, "by_name": name}


def _is_self(actor, person_id: int) -> bool:
    """The person in their own session: nothing to log. Their token in an app's hands is
    the app reading."""
    return actor.app_id is None and actor.user is not None and actor.user.pk == person_id


def record_read(persons: Iterable, *, actor, door: str,
                fields: Iterable[str] = (MEMBER_NUMBER,)) -> None:
    """`actor` read `fields` (REAL_NAME, MEMBER_NUMBER) of each of `persons` (users or their
    pks) through `door` (a short name: "graphql", "school_members", "webhook"). Within a
    request the reads wait for its end (one INSERT); elsewhere they are written now."""
    fields = sorted(set(fields))
    action = f"read.{door}"[:60]
    ids = [getattr(person, "pk", person) for person in persons]
    ids = [pk for pk in dict.fromkeys(ids) if pk is not None and not _is_self(actor, pk)]
    if not ids:
        return
    pending = _pending.get()
    who = None
    rows = []
    for pk in ids:
        key = (pk, action, actor.user_id, actor.app_id)
        if pending is not None and key in pending:
            known = pending[key].detail["fields"]
            pending[key].detail["fields"] = sorted(set(known) | set(fields))
            continue
        if who is None:
            who = _who(actor)
        detail = {"fields": fields, **({"app": True} if actor.app_id is not None else {})}
        row = AccessRecord(person_id=pk, kind=AccessRecord.Kind.READ, action=action,
                           detail=detail, **who)
        if pending is not None:
            pending[key] = row
        else:
            rows.append(row)
    if rows:
        AccessRecord.objects.bulk_create(rows)


def record_people_read(people: Iterable, *, actor, door: str) -> None:
    """A list of people shown with what they have of the two: the 学号 when set, the real
    name (the verified display name) when verified."""
    people = list(people)
    record_read([p for p in people if p.member_number], actor=actor, door=door,
                fields=[MEMBER_NUMBER])
    record_read([p for p in people if p.verified_at], actor=actor, door=door,
                fields=[REAL_NAME])


def flush() -> int:
    """Write the reads gathered so far in this request: one INSERT. How many."""
    pending = _pending.get()
    if not pending:
        return 0
    rows = list(pending.values())
    pending.clear()
    AccessRecord.objects.bulk_create(rows)
    return len(rows)


class AccessLogMiddleware:
    """Gathers a request's reads and writes them once it is answered. A database that
    fails then loses the entries, not the answer: logged loudly instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = _pending.set({})
        try:
            response = self.get_response(request)
            try:
                flush()
            except DatabaseError:
                logger.exception("access log: reads of this request not written")
            return response
        finally:
            _pending.reset(token)


def record_sign_in(user, request, *, how: str, failed: str = "") -> AccessRecord:
    """A sign-in to `user`'s account (how: "password", "sso.cas", "sso.oidc",
    "two_factor", "register", "claim"), or a failed try at it (failed: "password",
    "locked_out"), with the place and device it came from."""
    ip = client_ip(request) if request is not None else get_ip()
    agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
    detail = {"how": how}
    if failed:
        detail["failed"] = failed
    return AccessRecord.objects.create(
        person=user, kind=AccessRecord.Kind.SIGN_IN,
        action=(f"sign_in.failed.{failed}" if failed else f"sign_in.{how}")[:60],
        place=place(ip), device=device(agent), detail=detail)


def record_privacy_act(person, action: str, *, detail: dict | None = None,
                       ip: str | None = None) -> AccessRecord:
    """Something the person did about their own data (an export asked for or downloaded,
    a cancellation asked for or undone, a consent given or withdrawn), from where."""
    return AccessRecord.objects.create(
        person=person, kind=AccessRecord.Kind.PRIVACY, action=action, by_user=person,
        by_name=person.username, place=network(ip or get_ip()), detail=detail or {})


def record_refused(person, action: str, *, actor=None, request=None,
                   detail: dict | None = None) -> None:
    """An attempt on `person`'s data that was refused (another person's export link, an app
    reading a real name after consent was withdrawn, a second cancellation): in their
    access log and the security log. Call it outside the transaction that refused."""
    if actor is None and request is not None:
        actor = getattr(request, "actor", None)
    if person is not None:
        agent = request.META.get("HTTP_USER_AGENT", "") if request is not None else ""
        AccessRecord.objects.create(person=person, kind=AccessRecord.Kind.REFUSED,
                                    action=action, place=place(get_ip()),
                                    device=device(agent), detail=detail or {},
                                    **_who(actor))
    security_event(f"privacy.{action}", actor=actor, target=person, outcome=DENIED,
                   detail=detail)


def records_of(*, actor, kind: str = "") -> QuerySet[AccessRecord]:
    """The person's own access log, newest first; `kind` one of AccessRecord.Kind or ""
    for all. Their own web session only: no token, no other person reads it."""
    if actor.scopes is not None:
        raise PermissionDenied(_("访问记录只能在网页上由本人查看"))
    user = actor.require_user()
    records = AccessRecord.objects.filter(person=user)
    if kind:
        if kind not in AccessRecord.Kind.values:
            raise Invalid(_("没有这种访问记录"), field="kind")
        records = records.filter(kind=kind)
    return records.order_by("-at", "-pk")


def prune(*, now: datetime | None = None) -> int:
    """Delete the records older than the audit log's retention, in batches; how many went.
    Running it again deletes nothing more."""
    cutoff = retention_cutoff(now)
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(AccessRecord.objects.filter(at__lt=cutoff).order_by("at")
                       .values_list("pk", flat=True)[:PRUNE_BATCH])
            if not ids:
                return deleted
            deleted += AccessRecord.objects.filter(pk__in=ids).delete()[0]


@task()
def prune_access_log() -> int:
    """Periodic (registered in apps.py), beside the audit log's own prune."""
    return prune()

"""Every change to webhook subscriptions and deliveries.

Only school apps subscribe: a school app acts for the one school that installed
it, and its administrator approved what it reads, so "what may this app read"
has one answer per event. A user app acts for each person who authorized it;
sending it events would need each person's consent to every event, per event
kind, and a way to withdraw it, which is left out for now: user apps read
through the API on their user's behalf instead.

Which school an event belongs to, and why a group without a school announces no
joins or leaves, is decided in receivers.py.

Life of an event: the change calls emit() inside its transaction; when some
active subscription could hear of it, ONE fan-out task is written in that
transaction (outbox: a rollback sends nothing), carrying the payload rendered
then for each subscribed app, as that app at that moment. The worker writes a
Delivery per subscription with its payload (unique per event, so running the
fan-out twice delivers once), each with its own delivery task. A delivery is
POSTed signed, and every retry sends the same body with a fresh timestamp and
signature; a non-2xx answer, a timeout or a
connection error is retried after settings.WEBHOOK_RETRY_DELAYS_S; a delivery
that failed every attempt counts against its subscription, and after
settings.WEBHOOK_DISABLE_AFTER_FAILURES such deliveries in a row the
subscription is disabled and the app's owner notified. A success resets it.
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openapi_plugins.models import AppProfile
from openapi_plugins.selectors import granted_scopes
from openapi_plugins.services import require_app_owner
from openapi_plugins.webhooks import selectors, signing, transport
from openapi_plugins.webhooks.events import all_events
from openapi_plugins.webhooks.models import Delivery, Subscription
from yiban_core.actor import Actor, web_session_only
from yiban_core.errors import Conflict, Invalid

MAX_SUBSCRIPTIONS_PER_APP = 10


def timeout_s() -> float:
    return settings.WEBHOOK_TIMEOUT_S


def retry_delays_s() -> list[int]:
    """Seconds to wait before attempt 2, 3, ...: the attempts are one more than these."""
    return list(settings.WEBHOOK_RETRY_DELAYS_S)


def disable_after_failures() -> int:
    return settings.WEBHOOK_DISABLE_AFTER_FAILURES


# --- subscriptions (the app's owner, in the console) -----------------------------------


def _clean_events(app: AppProfile, events) -> list[str]:
    known = all_events()
    names = list(dict.fromkeys(events or []))
    if not names:
        raise Invalid(_("至少选择一个事件"), field="events")
    unknown = [name for name in names if name not in known]
    if unknown:
        raise Invalid(_("没有这些事件：%(events)s") % {"events": " ".join(unknown)},
                      field="events")
    granted = granted_scopes(app.application)
    missing = [name for name in names if known[name].scope not in granted]
    if missing:
        scopes = " ".join(sorted({known[name].scope for name in missing}))
        message = _("此应用缺少接收这些事件的权限范围：%(events)s（须由学校批准 %(scopes)s）")
        raise Invalid(message % {"events": " ".join(missing), "scopes": scopes}, field="events")
    return names


def _check_app(actor: Actor, app: AppProfile) -> None:
    require_app_owner(actor, app)  # the owner, in a web session
    if not app.is_school_app:
        raise Invalid(_("Webhook 仅适用于学校应用：用户应用请通过 API 读取数据"), field="app")


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def subscribe(*, actor: Actor, app: AppProfile, url: str, events) -> tuple[Subscription, str]:
    """A new subscription; returns it and its signing secret (show it to the owner now)."""
    _check_app(actor, app)
    url = transport.clean_target_url(url)
    events = _clean_events(app, events)
    secret = signing.new_secret()
    with transaction.atomic():
        # Lock the app so two concurrent requests cannot both pass the cap.
        AppProfile.objects.select_for_update().filter(pk=app.pk).first()
        if Subscription.objects.filter(app=app).count() >= MAX_SUBSCRIPTIONS_PER_APP:
            raise Invalid(_("每个应用最多 %(n)d 个订阅") % {"n": MAX_SUBSCRIPTIONS_PER_APP})
        if Subscription.objects.filter(app=app, url=url).exists():
            raise Conflict(_("已经订阅过这个地址了"), field="url")
        subscription = Subscription.objects.create(app=app, url=url, events=events,
                                                   secret=secret)
    return subscription, secret


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def update_subscription(*, actor: Actor, subscription: Subscription, url: str | None = None,
                        events=None) -> Subscription:
    _check_app(actor, subscription.app)
    changes = []
    if url is not None:
        subscription.url = transport.clean_target_url(url)
        changes.append("url")
    if events is not None:
        subscription.events = _clean_events(subscription.app, events)
        changes.append("events")
    if changes:
        try:
            with transaction.atomic():
                subscription.save(update_fields=changes)
        except IntegrityError:
            raise Conflict(_("已经订阅过这个地址了"), field="url") from None
    return subscription


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def disable_subscription(*, actor: Actor, subscription: Subscription) -> Subscription:
    require_app_owner(actor, subscription.app)
    if subscription.is_active:
        subscription.is_active, subscription.disabled_at = False, timezone.now()
        subscription.save(update_fields=["is_active", "disabled_at"])
    return subscription


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def enable_subscription(*, actor: Actor, subscription: Subscription) -> Subscription:
    """Back on, with a clean slate of failures (the owner says the receiver is fixed)."""
    _check_app(actor, subscription.app)
    subscription.is_active, subscription.disabled_at = True, None
    subscription.consecutive_failures = 0
    subscription.save(update_fields=["is_active", "disabled_at", "consecutive_failures"])
    return subscription


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def delete_subscription(*, actor: Actor, subscription: Subscription) -> None:
    require_app_owner(actor, subscription.app)
    subscription.delete()  # its deliveries go with it; waiting tasks find nothing


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def rotate_secret(*, actor: Actor, subscription: Subscription) -> str:
    """A new signing secret (shown once); the next attempt of every delivery uses it."""
    require_app_owner(actor, subscription.app)
    secret = signing.new_secret()
    subscription.secret = secret
    subscription.save(update_fields=["secret"])
    return secret


@web_session_only(gettext_lazy("只能在网页上管理应用"))
def redeliver(*, actor: Actor, delivery: Delivery) -> Delivery:
    """Send a finished delivery again, with a fresh round of attempts."""
    subscription = delivery.subscription
    require_app_owner(actor, subscription.app)
    if not subscription.is_active:
        raise Invalid(_("订阅已停用，请先启用"))
    with transaction.atomic():
        now = timezone.now()
        updated = (Delivery.objects.filter(pk=delivery.pk)
                   .exclude(status=Delivery.Status.PENDING)
                   .update(status=Delivery.Status.PENDING, attempts=0, next_attempt_at=now,
                           last_error="", updated_at=now))
        if not updated:
            raise Conflict(_("这次投递还在进行中"))
        _enqueue_attempt(delivery.pk, attempt=1)
    delivery.refresh_from_db()
    return delivery


# --- events: emit, fan out, deliver (the worker) ---------------------------------------


def enqueue_event(event: str, *, object_id, school_id: int | None) -> str | None:
    """Inside the caller's transaction: render the payload for each subscribed app, as
    that app at this moment, and write one fan-out task carrying them; nothing when no
    app may hear of it. Returns the event id.

    Rendering now, not in the worker, is what makes a delivery tell what happened: a
    member who joined and left a second later was still announced as having joined."""
    if event not in all_events():
        raise LookupError(f"unknown webhook event {event!r}")
    event_id = str(uuid.uuid4())
    payloads = render_payloads(event, object_id, school_id=school_id, event_id=event_id,
                               occurred_at=timezone.now().isoformat())
    if not payloads:
        return None
    from openapi_plugins.webhooks.tasks import fan_out_event

    fan_out_event.enqueue(event=event, event_id=event_id, object_ref=object_id,
                          payloads=payloads)
    return event_id


def _envelope(*, event: str, event_id: str, occurred_at: str, school, data: dict) -> dict:
    from yiban_core.graphql.relay import global_id

    return {"id": event_id, "event": event, "occurredAt": occurred_at,
            "school": global_id("School", school.pk), "data": data}


def render_payloads(event: str, object_ref, *, school_id: int | None, event_id: str,
                    occurred_at: str) -> dict[str, dict]:
    """{subscription pk: payload} for each active subscription to `event` in `school_id`
    (None: any school) whose app may see the object, rendered as that app now."""
    spec = all_events()[event]
    payloads = {}
    for subscription in selectors.subscriptions_for_event(event, school_id):
        actor = selectors.app_actor(subscription.app)
        if actor is None or not actor.has_scope(spec.scope):
            continue
        data = spec.render(actor, object_ref)
        if data is not None:
            payloads[str(subscription.pk)] = _envelope(
                event=event, event_id=event_id, occurred_at=occurred_at, school=actor.school,
                data=data)
    return payloads


def fan_out(*, event: str, event_id: str, object_ref, payloads: dict[str, dict]) -> int:
    """A delivery per subscription given a payload (rendered when the event happened) and
    still active; idempotent."""
    created = 0
    subscriptions = Subscription.objects.filter(pk__in=[int(pk) for pk in payloads],
                                                is_active=True)
    for subscription in subscriptions:
        try:
            with transaction.atomic():
                delivery, new = Delivery.objects.get_or_create(
                    subscription=subscription, event_id=event_id,
                    defaults={"event": event, "object_ref": object_ref,
                              "payload": payloads[str(subscription.pk)],
                              "next_attempt_at": timezone.now()})
                if new:
                    _enqueue_attempt(delivery.pk, attempt=1)
                    created += 1
        except IntegrityError:  # a concurrent run of the same fan-out got there first
            continue
    return created


def _enqueue_attempt(delivery_id: int, *, attempt: int, run_after=None) -> None:
    from openapi_plugins.webhooks.tasks import deliver

    task = deliver.using(run_after=run_after) if run_after is not None else deliver
    task.enqueue(delivery_id=delivery_id, attempt=attempt)


def _why_not(delivery: Delivery) -> str:
    """"" when the delivery may still go, else why not: checked at every attempt, so a
    disabled subscription or an app uninstalled or narrowed since stops it. The payload
    itself is not rendered again: it says what the app could read when it happened."""
    subscription = delivery.subscription
    if not subscription.is_active:
        return _("订阅已停用")
    spec = all_events().get(delivery.event)
    actor = selectors.app_actor(subscription.app)
    if spec is None or actor is None or not actor.has_scope(spec.scope):
        return _("应用已卸载或不再有接收此事件的权限")
    return ""


def body_and_headers(delivery: Delivery, *, timestamp: int | None = None
                     ) -> tuple[bytes, dict[str, str]]:
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":"),
                      sort_keys=True).encode()
    timestamp = int(time.time()) if timestamp is None else timestamp
    return body, {
        "X-Yiban-Event": delivery.event,
        "X-Yiban-Delivery": str(delivery.pk),
        "X-Yiban-Timestamp": str(timestamp),
        "X-Yiban-Signature": signing.sign(delivery.subscription.secret, timestamp, body),
    }


def attempt_delivery(*, delivery_id: int, attempt: int) -> str:
    """One attempt of a delivery; running it twice for the same attempt does nothing."""
    claimed = (Delivery.objects.filter(pk=delivery_id, status=Delivery.Status.PENDING,
                                       attempts=attempt - 1)
               .update(attempts=attempt, updated_at=timezone.now()))
    if not claimed:
        return "skipped"
    delivery = (Delivery.objects.select_related("subscription__app__application")
                .get(pk=delivery_id))
    reason = _why_not(delivery)
    if reason:
        Delivery.objects.filter(pk=delivery.pk).update(
            status=Delivery.Status.ABANDONED, last_error=reason, next_attempt_at=None,
            updated_at=timezone.now())
        return Delivery.Status.ABANDONED
    body, headers = body_and_headers(delivery)  # the same body, signed afresh
    outcome = transport.post(delivery.subscription.url, body, headers, timeout_s=timeout_s())
    return _record(delivery, attempt=attempt, outcome=outcome)


def _record(delivery: Delivery, *, attempt: int, outcome: transport.Outcome) -> str:
    now = timezone.now()
    fields = {"last_status_code": outcome.status_code,
              "last_error": "" if outcome.ok else outcome.error or _("投递失败"),
              "latency_ms": outcome.latency_ms, "updated_at": now}
    delays = retry_delays_s()
    with transaction.atomic():
        if outcome.ok:
            status = Delivery.Status.SUCCEEDED
            Delivery.objects.filter(pk=delivery.pk).update(status=status, next_attempt_at=None,
                                                           **fields)
            Subscription.objects.filter(pk=delivery.subscription_id).update(
                consecutive_failures=0)
        elif attempt <= len(delays):
            status = Delivery.Status.PENDING
            next_at = now + timedelta(seconds=delays[attempt - 1])
            Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=next_at, **fields)
            _enqueue_attempt(delivery.pk, attempt=attempt + 1, run_after=next_at)
        else:
            status = Delivery.Status.FAILED
            Delivery.objects.filter(pk=delivery.pk).update(status=status, next_attempt_at=None,
                                                           **fields)
            _count_failure(delivery.subscription_id)
    return status


def _count_failure(subscription_id: int) -> None:
    """Inside a transaction: one more delivery failed for good; too many in a row and the
    subscription is disabled, its app's owner told."""
    from yiban_core.notifications.models import Notification
    from yiban_core.notifications.services import notify

    subscription = (Subscription.objects.select_for_update()
                    .select_related("app__application").filter(pk=subscription_id).first())
    if subscription is None:
        return
    subscription.consecutive_failures += 1
    fields = ["consecutive_failures"]
    if subscription.is_active and subscription.consecutive_failures >= disable_after_failures():
        subscription.is_active, subscription.disabled_at = False, timezone.now()
        fields += ["is_active", "disabled_at"]
        owner_id = subscription.app.application.user_id
        if owner_id is not None:
            notify(recipient_ids=[owner_id], kind=Notification.Kind.WEBHOOK_DISABLED,
                   event_key=f"webhook-disabled:{subscription.pk}:"
                             f"{subscription.disabled_at.timestamp()}",
                   target=subscription,
                   excerpt=f"{subscription.app.application.name}: {subscription.url}")
    subscription.save(update_fields=fields)

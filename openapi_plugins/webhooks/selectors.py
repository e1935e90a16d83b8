"""Reads of webhook subscriptions and deliveries.

The console's reads are for the app's owner only (a web session), and answer
NotFound to anyone else. The rest is for the fan-out: which subscriptions hear
of an event in a school, and the actor an app reads its payloads as.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from openapi_plugins.models import AppProfile, SchoolInstall
from openapi_plugins.selectors import granted_scopes
from openapi_plugins.webhooks.events import WebhookEvent, all_events
from openapi_plugins.webhooks.models import Delivery, Subscription
from yiban_core.actor import Actor
from yiban_core.errors import NotFound

RECENT_DELIVERIES = 50


def _require_owner(actor: Actor, app: AppProfile) -> None:
    user = actor.require_user()
    if actor.scopes is not None or app.application.user_id != user.pk:
        raise NotFound(_("没有这个应用"))


def subscriptions(*, actor: Actor, app: AppProfile) -> QuerySet[Subscription]:
    _require_owner(actor, app)
    return Subscription.objects.filter(app=app).order_by("-created_at", "-pk")


def get_subscription(*, actor: Actor, app: AppProfile, pk) -> Subscription:
    subscription = subscriptions(actor=actor, app=app).filter(pk=pk).first()
    if subscription is None:
        raise NotFound(_("没有这个订阅"))
    return subscription


def recent_deliveries(*, actor: Actor, app: AppProfile,
                      limit: int = RECENT_DELIVERIES) -> list[Delivery]:
    _require_owner(actor, app)
    return list(Delivery.objects.filter(subscription__app=app)
                .select_related("subscription").order_by("-pk")[:limit])


def get_delivery(*, actor: Actor, app: AppProfile, pk) -> Delivery:
    _require_owner(actor, app)
    delivery = (Delivery.objects.filter(subscription__app=app, pk=pk)
                .select_related("subscription__app__application").first())
    if delivery is None:
        raise NotFound(_("没有这次投递"))
    return delivery


def receivable_events(app: AppProfile) -> list[tuple[WebhookEvent, bool]]:
    """Every event, and whether this app's granted scopes let it receive it."""
    granted = granted_scopes(app.application)
    return [(event, event.scope in granted) for event in all_events().values()]


# --- for the fan-out (no person acting) -----------------------------------------------


def subscriptions_for_event(event: str, school_id: int | None) -> list[Subscription]:
    """Active subscriptions to `event` of school apps installed in `school_id` (None: in
    any school). One query; a school has a handful of apps, so the event list of each
    is checked here rather than with a JSON lookup SQLite lacks."""
    qs = (Subscription.objects.filter(is_active=True, app__kind=AppProfile.Kind.SCHOOL,
                                      app__install__isnull=False)
          .select_related("app__application", "app__install__school"))
    if school_id is not None:
        qs = qs.filter(app__install__school_id=school_id)
    return [subscription for subscription in qs if event in subscription.events]


def app_actor(app: AppProfile) -> Actor | None:
    """What a school app reads as: its installed school, with the scopes the school
    approved (as its client-credentials tokens would); None when not installed."""
    install = SchoolInstall.objects.select_related("school").filter(app=app).first()
    if not app.is_school_app or install is None:
        return None
    return Actor(school=install.school, scopes=frozenset(granted_scopes(app.application)),
                 app_id=app.application_id)


SUBSCRIBED_EVENTS_KEY = "webhooks:subscribed-events"
# Bounds how late another process sees a new subscription, also when Redis is down and
# the set is cached per process (yiban_core/cache.py): a cache of the database fails open.
SUBSCRIBED_EVENTS_TTL_S = 60


def subscribed_events() -> frozenset[str]:
    """Every event some active subscription names: a cached superset that lets the
    receivers skip every query for rows nobody listens to (most posts, most sites)."""
    events = cache.get(SUBSCRIBED_EVENTS_KEY)
    if events is None:
        events = frozenset(event for names in Subscription.objects.filter(is_active=True)
                           .values_list("events", flat=True) for event in names)
        cache.set(SUBSCRIBED_EVENTS_KEY, events, SUBSCRIBED_EVENTS_TTL_S)
    return events


def forget_subscribed_events() -> None:
    cache.delete(SUBSCRIBED_EVENTS_KEY)

"""The events an app can subscribe to, and how a change announces one.

A WebhookEvent says what happened, in plain words for the console, which scope
an app needs to receive it, and how to render its payload *as the app sees it*:
render(actor, object_id) is called once, when the event happens (inside the
change's transaction), with the app's actor (a school app: its school and
approved scopes) and returns None when that actor may not read the object, so a
delivery never carries what the app could not read; retries send that payload.

Core events are declared here; a plugin declares its own in Plugin.webhook_events.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yiban_core.actor import Actor


@dataclass(frozen=True)
class WebhookEvent:
    name: str  # "post.published", "roster.synced"
    description: Any  # lazy gettext, for the console and the docs page
    scope: str  # the scope an app needs to receive it
    render: Callable[[Actor, Any], dict | None]


def all_events() -> dict[str, WebhookEvent]:
    """Every event an app can subscribe to: the core's, then each installed plugin's."""
    from openapi_plugins.registry import installed_plugins
    from openapi_plugins.webhooks.core_events import CORE_EVENTS

    events = {event.name: event for event in CORE_EVENTS}
    for plugin in installed_plugins():
        events.update({event.name: event for event in plugin.webhook_events})
    return events


def emit(event: str, *, object_id: Any, school_id: int | None) -> None:
    """Announce `event` about `object_id`, inside the transaction of the change.

    School apps installed in `school_id` (or, for None, every app) subscribed to
    the event get a delivery; the rows are written in the same transaction, so a
    rolled-back change announces nothing (outbox)."""
    from openapi_plugins.webhooks import services

    services.enqueue_event(event, object_id=object_id, school_id=school_id)

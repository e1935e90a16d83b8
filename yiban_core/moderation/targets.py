"""What can be reported or held: each kind registered by the app that owns it.

The core knows nothing of posts or resources (DESIGN.md section 1): feeds registers Post and
Comment, resources Resource and Rating, the core itself Group and User, each in its
AppConfig.ready, with how to load one for an actor through the app's own selectors (so a
report never reaches what its reporter may not see) and how to describe it to moderators.

`set_state` is the one way a content row's `moderation` field changes: it sends
ContentStateChanged so timelines, cards and the search index follow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from yiban_core import events
from yiban_core.actor import Actor
from yiban_core.moderation.models import ContentState


@dataclass(frozen=True)
class TargetKind:
    model: Any
    type_name: str  # its GraphQL type: "Post"
    # The row for this actor; raises NotFound when the actor may not see it.
    load_visible: Callable[[Actor, int], Any]
    author_id: Callable[[Any], int | None]
    group_id: Callable[[Any], int | None]
    school_id: Callable[[Any], int | None]
    excerpt: Callable[[Any], str]
    path: Callable[[Any], str]  # its page: "/posts/12/"
    hideable: bool = False  # has the `moderation` field (ContentState)

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


_BY_LABEL: dict[str, TargetKind] = {}
_BY_TYPE_NAME: dict[str, TargetKind] = {}


def register(kind: TargetKind) -> None:
    _BY_LABEL[kind.label] = kind
    _BY_TYPE_NAME[kind.type_name] = kind


def kind_of(obj_or_model) -> TargetKind | None:
    """The kind of a row or model (or of a "app.model" label), None when not registered."""
    label = obj_or_model if isinstance(obj_or_model, str) else obj_or_model._meta.label_lower
    return _BY_LABEL.get(label)


def by_type_name(name: str) -> TargetKind | None:
    return _BY_TYPE_NAME.get(name)


def kinds() -> list[TargetKind]:
    return list(_BY_LABEL.values())


def set_state(model, pk: int, state: str) -> bool:
    """Set a hideable row's `moderation` state; True when it changed. Sends
    ContentStateChanged in the caller's transaction (or its own)."""
    if state not in ContentState.values:
        raise ValueError(f"unknown content state {state!r}")
    with transaction.atomic():
        changed = model.objects.filter(pk=pk).exclude(moderation=state).update(moderation=state)
        if changed:
            events.send(events.ContentStateChanged(model._meta.label_lower, pk, state))
    return bool(changed)

"""What a notification is about, described by the app that owns it.

The core knows nothing of posts or comments. An app registers its target model
once (in its AppConfig.ready) with how to tell which targets a viewer may still
see and how to describe them: the excerpts of the target and of its detail (the
comment of a post), read when the notification is shown, through the app's own
selectors. So a notification never shows text its reader may no longer see, and
a deleted comment's words are gone from it too.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.contenttypes.models import ContentType

from yiban_core.actor import Actor

EXCERPT_LENGTH = 30

# Why a text is not shown.
DELETED = "deleted"
HIDDEN = "hidden"


@dataclass(frozen=True)
class Excerpts:
    """What a notification quotes. A text is None when it is not shown; its state
    (DELETED or HIDDEN) says why."""

    target: str | None = None
    target_state: str = ""
    detail: str | None = None
    detail_state: str = ""


# (actor, [(kind, target id, detail id)]) -> {(kind, target id, detail id): Excerpts}
Describe = Callable[[Actor, list[tuple[str, int, int | None]]], dict[tuple, Excerpts]]


@dataclass(frozen=True)
class TargetType:
    type_name: str  # its GraphQL type
    visible_ids: Callable[[Actor, list[int]], set[int]]
    describe: Describe | None = None


_TARGETS: dict[str, TargetType] = {}


def register_target(model, type_name: str, visible_ids: Callable[[Actor, list[int]], set[int]],
                    describe: Describe | None = None) -> None:
    """Let notifications about `model` show its global ID and excerpts while the viewer may
    see it."""
    _TARGETS[model._meta.label_lower] = TargetType(type_name, visible_ids, describe)


def target_type(notification) -> TargetType | None:
    if notification.target_type_id is None or notification.target_id is None:
        return None
    content_type = ContentType.objects.get_for_id(notification.target_type_id)  # cached
    return _TARGETS.get(f"{content_type.app_label}.{content_type.model}")


def target_model_label(notification) -> str | None:
    if notification.target_type_id is None:
        return None
    content_type = ContentType.objects.get_for_id(notification.target_type_id)
    return f"{content_type.app_label}.{content_type.model}"


def excerpt(text: str, length: int = EXCERPT_LENGTH) -> str:
    """The first words of a text on one line, with … when cut."""
    line = " ".join(text.split())
    return line if len(line) <= length else line[:length].rstrip() + "…"


def describe_all(actor: Actor, notifications: list) -> dict[int, Excerpts]:
    """Excerpts of each notification (by pk), one call per target type."""
    wanted: dict[int, tuple[TargetType, list]] = {}
    for notification in notifications:
        kind = target_type(notification)
        if kind is not None and kind.describe is not None:
            wanted.setdefault(notification.target_type_id, (kind, []))[1].append(notification)
    found: dict[int, Excerpts] = {}
    for kind, rows in wanted.values():
        refs = [(n.kind, n.target_id, n.detail_id) for n in rows]
        described = kind.describe(actor, list(dict.fromkeys(refs)))
        for notification, ref in zip(rows, refs, strict=True):
            found[notification.pk] = described.get(ref, Excerpts(target_state=HIDDEN))
    return found

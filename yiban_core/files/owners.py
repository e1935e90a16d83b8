"""Which app owns a protected file, and who may read it: each app registers how to ask
its own selectors (yiban_core knows nothing of feeds or resources)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from yiban_core.actor import Actor


class Audience(Enum):
    PUBLIC = "public"  # anyone may see it: cacheable by anyone
    RESTRICTED = "restricted"  # this viewer may, others may not: cached privately only


@dataclass(frozen=True)
class Owner:
    prefixes: tuple[str, ...]  # storage names this owner answers for
    # The audience of the file for this viewer, or None when the file is unknown or the
    # viewer may not see what it belongs to (both are a 404).
    audience: Callable[[Actor, str], Audience | None]


OWNERS: list[Owner] = []


def register(*, prefixes: tuple[str, ...], audience: Callable[[Actor, str], Audience | None]):
    OWNERS.append(Owner(prefixes=prefixes, audience=audience))


def audience_of(actor: Actor, name: str) -> Audience | None:
    for owner in OWNERS:
        if name.startswith(owner.prefixes):
            return owner.audience(actor, name)
    return None

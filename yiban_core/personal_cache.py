"""Per-person cached reads: what every page's frame asks about the viewer (unread
notifications, pending invitations, whether they moderate anything or administer a
school). Each was a query on every page view; they change a few times a day.

A person's reads are kept together in one cache entry, stamped with the person's
generation, which lives in an entry of its own. Whatever changes one of those reads calls
`forget(user_ids)`, which gives each person a new generation: an entry stamped with an
old one is thrown away on its next read. A reader takes the generation before it reads
the database, so a change committed while it reads moves the generation past the stamp of
what it writes; nothing stale is kept. Callers forget inside the transaction that makes
the change (durable event subscribers, or the service itself): the generation moves at
once, for reads later in that transaction, and again after the commit, past whatever a
concurrent reader took meanwhile from the rows before the commit.

A page asks the cache once: the generation and the entry come in one round trip, kept on
the request's user object for the rest of the request (a forget in this process makes
the next read ask again).

The cache accelerates only: with Redis down it is this process's memory
(yiban_core/cache.py); a cold or lost entry is read from the database again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

TIMEOUT_S = 3600
_forgets = [0]  # forgets seen in this process: a user object's snapshot older than that is re-read


@dataclass
class _Snapshot:
    forgets: int
    generation: str
    values: dict[str, Any] = field(default_factory=dict)


def _generation_key(user_id: int) -> str:
    return f"person-gen:{user_id}"


def _values_key(user_id: int) -> str:
    return f"person:{user_id}"


def _snapshot(user) -> _Snapshot:
    snapshot = user.__dict__.get("_personal_cache")
    if snapshot is not None and snapshot.forgets == _forgets[0]:
        return snapshot
    forgets = _forgets[0]
    found = cache.get_many([_generation_key(user.pk), _values_key(user.pk)])
    generation = found.get(_generation_key(user.pk))
    if generation is None:
        generation = secrets.token_hex(6)
        if not cache.add(_generation_key(user.pk), generation, None):  # another reader's
            generation = cache.get(_generation_key(user.pk)) or generation
    values = found.get(_values_key(user.pk)) or {}
    if values.pop("generation", None) != generation:
        values = {}
    snapshot = user.__dict__["_personal_cache"] = _Snapshot(forgets, generation, values)
    return snapshot


def read(user, name: str, compute: Callable[[], T]) -> T:
    """`compute()` for this person, from the cache while nothing they see has changed."""
    snapshot = _snapshot(user)
    if name not in snapshot.values:
        snapshot.values[name] = compute()
        cache.set(_values_key(user.pk), {**snapshot.values, "generation": snapshot.generation},
                  TIMEOUT_S)
    return snapshot.values[name]


def forget(user_ids: Iterable[int]) -> None:
    """These people's cached reads are out of date: a new generation for each, now and
    after the commit."""
    user_ids = {pk for pk in user_ids if pk}
    if user_ids:
        _renew(user_ids)
        transaction.on_commit(lambda: _renew(user_ids), robust=True)


def _renew(user_ids: set[int]) -> None:
    _forgets[0] += 1
    cache.set_many({_generation_key(pk): secrets.token_hex(6) for pk in user_ids}, None)

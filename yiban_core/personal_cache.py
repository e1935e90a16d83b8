"""Per-person cached reads: what every page's frame asks about the viewer (unread
notifications, pending invitations, whether they moderate anything or administer a
school). Each was a query on every page view; they change a few times a day.

Each person has a generation in the cache, and every cached read of theirs is keyed by
it. Whatever changes one of those reads calls `forget(user_ids)` after its commit, which
gives the person a new generation: their old entries are never read again (and expire).
A reader takes the generation before it reads the database, so a change committed while
it reads moves the generation past the entry it writes; nothing stale is kept. Callers
forget inside the transaction that makes the change (durable event subscribers, or the
service itself), so reads later in that transaction see it too.

The cache accelerates only: with Redis down it is this process's memory
(yiban_core/cache.py); a cold or lost entry is read from the database again.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.core.cache import cache
from django.db import transaction

T = TypeVar("T")

TIMEOUT_S = 3600
_MISSING = object()


def _generation_key(user_id: int) -> str:
    return f"person-gen:{user_id}"


def _generation(user_id: int) -> str:
    key = _generation_key(user_id)
    generation = cache.get(key)
    if generation is None:
        generation = secrets.token_hex(6)
        if not cache.add(key, generation, None):  # another reader made one first
            generation = cache.get(key) or generation
    return generation


def read(user_id: int, name: str, compute: Callable[[], T]) -> T:
    """`compute()` for this person, from the cache while nothing they see has changed."""
    key = f"person:{user_id}:{_generation(user_id)}:{name}"
    value = cache.get(key, _MISSING)
    if value is _MISSING:
        value = compute()
        cache.set(key, value, TIMEOUT_S)
    return value


def forget(user_ids: Iterable[int]) -> None:
    """These people's cached reads are out of date: give each a new generation now, for
    reads later in the same transaction, and again after the commit, past whatever a
    concurrent reader cached meanwhile from the rows before the commit."""
    user_ids = {pk for pk in user_ids if pk}
    if user_ids:
        _renew(user_ids)
        transaction.on_commit(lambda: _renew(user_ids), robust=True)


def _renew(user_ids: set[int]) -> None:
    cache.set_many({_generation_key(pk): secrets.token_hex(6) for pk in user_ids}, None)

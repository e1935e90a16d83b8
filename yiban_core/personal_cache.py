"""Per-person cached reads: the signed-in user (with their profile) and what every page's
frame asks about them (unread notifications, pending invitations, whether they moderate
anything or administer a school). Each was a query on every page view; they change a
few times a day.

A person's reads are kept together in one cache entry, stamped with the person's
generation, which lives in an entry of its own. Whatever changes one of those reads calls
`forget(user_ids)`, which gives each person a new generation: an entry stamped with an
old one is thrown away on its next read. A reader takes the generation before it reads
the database, so a change committed while it reads moves the generation past the stamp of
what it writes; nothing stale is kept. Callers forget inside the transaction that makes
the change (durable event subscribers, or the service itself): the generation moves at
once, for reads later in that transaction, and again after the commit, past whatever a
concurrent reader took meanwhile from the rows before the commit.

A page asks the cache once: the generation, the user and the entry come in one round
trip (`signed_in_user`, from the sign-in backend), kept on the request's user object for the rest
of the request (a forget in this process makes the next read ask again).

Reads that change many times a day for one person (the message badge: every message of
every chat they sit in) are kept on a shelf of their own (`shelf=CHATTER`), with its own
generation: a new message forgets that shelf only, not the person and their other
reads. Both shelves come in the same round trip.

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
from django.utils.functional import LazyObject, empty

T = TypeVar("T")

TIMEOUT_S = 3600
MAIN, CHATTER = "", "chatter"
SHELVES = (MAIN, CHATTER)
_forgets = [0]  # forgets seen in this process: a user object's snapshot older than that is re-read


@dataclass
class _Snapshot:
    forgets: int
    generations: dict[str, str]  # by shelf
    values: dict[str, dict[str, Any]] = field(default_factory=dict)  # by shelf, by name

    @property
    def generation(self) -> str:
        return self.generations[MAIN]


def _generation_key(user_id: int, shelf: str = MAIN) -> str:
    return f"person-gen{shelf and '-' + shelf}:{user_id}"


def _values_key(user_id: int, shelf: str = MAIN) -> str:
    return f"person{shelf and '-' + shelf}:{user_id}"


def _user_key(user_id: int) -> str:
    return f"person-user:{user_id}"


def _fetch(user_id: int) -> tuple[_Snapshot, Any]:
    """The person's snapshot (both shelves) and cached user (or None), in one round trip."""
    forgets = _forgets[0]
    keys = [_user_key(user_id)]
    for shelf in SHELVES:
        keys += [_generation_key(user_id, shelf), _values_key(user_id, shelf)]
    found = cache.get_many(keys)
    generations, values = {}, {}
    for shelf in SHELVES:
        key = _generation_key(user_id, shelf)
        generation = generations[shelf] = found.get(key) or _first_generation(key)
        kept = found.get(_values_key(user_id, shelf)) or {}
        values[shelf] = kept if kept.pop("generation", None) == generation else {}
    user = found.get(keys[0]) or {}
    return (_Snapshot(forgets, generations, values),
            user.get("user") if user.get("generation") == generations[MAIN] else None)


def _first_generation(key: str) -> str:
    """A generation for a person who has none: ours, or another reader's who came first."""
    generation = secrets.token_hex(6)
    if not cache.add(key, generation, None):
        generation = cache.get(key) or generation
    return generation


def _snapshot(user) -> _Snapshot:
    while isinstance(user, LazyObject):  # request.user: the snapshot is on the user it wraps
        if user._wrapped is empty:
            user._setup()
        user = user._wrapped
    snapshot = user.__dict__.get("_personal_cache")
    if snapshot is None or snapshot.forgets != _forgets[0]:
        snapshot = user.__dict__["_personal_cache"] = _fetch(user.pk)[0]
    return snapshot


def generation(user) -> str:
    """The person's generation: what is kept under it (HTML about them) is out of date
    once anything about them changes."""
    return _snapshot(user).generation


def signed_in_user(user_id: int, load: Callable[[], Any]):
    """The user `user_id` as `load()` reads them (or None), from the cache while nothing
    about them has changed. Their snapshot comes with them."""
    snapshot, found = _fetch(user_id)
    if found is None:
        found = load()
        if found is None:
            return None
        cache.set(_user_key(user_id), {"user": found, "generation": snapshot.generation},
                  TIMEOUT_S)  # pickled now: before the snapshot is attached to it
    found.__dict__["_personal_cache"] = snapshot
    return found


def read(user, name: str, compute: Callable[[], T], *, shelf: str = MAIN) -> T:
    """`compute()` for this person, from the cache while nothing they see has changed."""
    snapshot = _snapshot(user)
    values = snapshot.values[shelf]
    if name not in values:
        values[name] = compute()
        cache.set(_values_key(user.pk, shelf),
                  {**values, "generation": snapshot.generations[shelf]}, TIMEOUT_S)
    return values[name]


def generations(user_ids: list[int]) -> list[str]:
    """Each person's current generation, in one round trip (a person without one is given
    one): HTML or data about many people, kept under their generations, is out of date
    as soon as one of them changes."""
    keys = [_generation_key(pk) for pk in user_ids]
    found = cache.get_many(keys) if keys else {}
    return [found[key] if key in found else _first_generation(key) for key in keys]


def forget(user_ids: Iterable[int], *, shelf: str = MAIN) -> None:
    """These people's cached reads (on `shelf`) are out of date: a new generation for
    each, now and after the commit."""
    user_ids = {pk for pk in user_ids if pk}
    if user_ids:
        _renew(user_ids, shelf)
        transaction.on_commit(lambda: _renew(user_ids, shelf), robust=True)


def _renew(user_ids: set[int], shelf: str) -> None:
    _forgets[0] += 1
    cache.set_many({_generation_key(pk, shelf): secrets.token_hex(6) for pk in user_ids}, None)

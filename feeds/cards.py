"""What a home timeline page reads, kept in Redis, so that a warm page runs no SQL.

Entries, each a pickled tuple of plain values (never a model) with a TTL:

- post:<id>    the post's row, its images, and for a repost its original's author and
               group (so one more read fetches everything the page shows);
- user:<id>    what a card shows of a person (name, role, school, avatar); the rest of
               the row stays deferred, read from the database if anything touches it, so
               counters and private fields never pass through here;
- group:<id>   a group's name, kind, school, privacy and member count;
- sources:<id> whom a user follows and which groups they are in;
- school:<id>  the ids of a school's official groups.

Whatever changes an entry's rows forgets the entry, at once and again once committed
(feeds/signals.py, and the counter updates in feeds/services.py). Forgetting writes a tombstone that
lives a few seconds, and readers fill a missing entry with SET NX: a reader that read
the database before the change committed cannot put the old row back. A post the
database no longer has is remembered as gone (ids are never reused).

Any Redis error means "ask the database": `read` returns None and the caller takes
the database path.
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Callable, Iterable

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Value
from django.db.models.base import ModelState
from redis.exceptions import RedisError

from feeds.models import Post, PostImage
from yiban_core.accounts.models import Follow, Profile, User
from yiban_core.groups.models import Group, Membership
from yiban_core.redis import redis_client

log = logging.getLogger(__name__)

_TOMBSTONE, _GONE = b"-", b"0"

POST, USER, GROUP, SOURCES, SCHOOL = "post", "user", "group", "sources", "school"


def _fields(model, wanted: Iterable[str] | None = None) -> tuple[str, ...]:
    """Attribute names in the model's field order (Model.from_db wants that order)."""
    wanted = None if wanted is None else set(wanted)
    return tuple(f.attname for f in model._meta.concrete_fields
                 if wanted is None or f.attname in wanted)


POST_FIELDS = _fields(Post)
IMAGE_FIELDS = _fields(PostImage)
USER_FIELDS = _fields(User, {"id", "username", "display_name", "role", "school_id",
                             "verified_at", "is_active", "member_number"})
PROFILE_FIELDS = _fields(Profile, {"id", "user_id", "avatar"})
GROUP_FIELDS = _fields(Group, {"id", "name", "kind", "school_id", "is_private",
                               "join_policy", "member_count"})


def _key(kind: str, pk: int) -> str:
    return f"yb:card:{kind}:{pk}"


# --- loading from the database ---------------------------------------------------------------


def _load_posts(ids: list[int]) -> dict[int, tuple]:
    rows = Post.objects.filter(pk__in=ids).values_list(
        *POST_FIELDS, "repost_of__author_id", "repost_of__group_id")
    images: dict[int, list[tuple]] = {}
    for image in PostImage.objects.filter(post_id__in=ids).order_by("position") \
            .values_list(*IMAGE_FIELDS):
        images.setdefault(image[IMAGE_FIELDS.index("post_id")], []).append(image)
    n = len(POST_FIELDS)
    return {row[0]: (row[:n], tuple(images.get(row[0], ())), row[n], row[n + 1])
            for row in rows}


def _load_users(ids: list[int]) -> dict[int, tuple]:
    n = len(USER_FIELDS)
    rows = User.objects.filter(pk__in=ids).values_list(
        *USER_FIELDS, *(f"profile__{name.removesuffix('_id')}" for name in PROFILE_FIELDS))
    return {row[0]: (row[:n], row[n:] if row[n] is not None else None) for row in rows}


def _load_groups(ids: list[int]) -> dict[int, tuple]:
    return {row[0]: row for row in Group.objects.filter(pk__in=ids).values_list(*GROUP_FIELDS)}


def _load_sources(ids: list[int]) -> dict[int, tuple]:
    found: dict[int, tuple[set, set]] = {pk: (set(), set()) for pk in ids}
    follows = Follow.objects.filter(follower_id__in=ids).values_list(
        "follower_id", "followee_id", Value(0))
    groups = Membership.objects.filter(user_id__in=ids).values_list(
        "user_id", "group_id", Value(1))
    for user_id, other, kind in follows.union(groups, all=True):
        found[user_id][kind].add(other)
    return {pk: (frozenset(people), frozenset(groups)) for pk, (people, groups) in found.items()}


def _load_schools(ids: list[int]) -> dict[int, tuple]:
    found: dict[int, list[int]] = {pk: [] for pk in ids}
    for school, group in Group.objects.filter(kind=Group.Kind.SCHOOL, school_id__in=ids) \
            .order_by("pk").values_list("school_id", "pk"):
        found[school].append(group)
    return {pk: tuple(groups) for pk, groups in found.items()}


_LOADERS: dict[str, Callable[[list[int]], dict[int, tuple]]] = {
    POST: _load_posts, USER: _load_users, GROUP: _load_groups,
    SOURCES: _load_sources, SCHOOL: _load_schools,
}


# --- reading and forgetting ------------------------------------------------------------------


def read(wanted: dict[str, Iterable[int]]) -> dict[str, dict[int, tuple]] | None:
    """{kind: {id: entry}} for the ids asked, in one round trip, the missing ones read
    from the database and stored. Ids the database does not have are left out.
    None when Redis is unavailable."""
    client = redis_client()
    if client is None:
        return None
    asked = [(kind, pk) for kind, ids in wanted.items() for pk in dict.fromkeys(ids)]
    found: dict[str, dict[int, tuple]] = {kind: {} for kind in wanted}
    if not asked:
        return found
    try:
        values = client.mget([_key(kind, pk) for kind, pk in asked])
    except RedisError:
        log.warning("card read failed; using the database", exc_info=True)
        return None
    missing: dict[str, list[int]] = {}
    for (kind, pk), value in zip(asked, values, strict=True):
        if value is None or value == _TOMBSTONE:
            missing.setdefault(kind, []).append(pk)
        elif value != _GONE:
            found[kind][pk] = pickle.loads(value)
    if missing:
        _fill(client, missing, found)
    return found


def _fill(client, missing: dict[str, list[int]], found: dict[str, dict[int, tuple]]) -> None:
    pipe = client.pipeline(transaction=False)
    for kind, ids in missing.items():
        loaded = _LOADERS[kind](ids)
        found[kind].update(loaded)
        for pk in ids:
            value = pickle.dumps(loaded[pk], pickle.HIGHEST_PROTOCOL) if pk in loaded else _GONE
            pipe.set(_key(kind, pk), value, ex=settings.FEED_CARD_TTL_S, nx=True)
    try:
        pipe.execute()
    except RedisError:
        log.warning("card fill failed", exc_info=True)


def forget(kind: str, ids: Iterable[int]) -> None:
    """Drop entries whose rows changed (call after the change committed)."""
    client = redis_client()
    ids = [pk for pk in ids if pk is not None]
    if client is None or not ids:
        return
    try:
        pipe = client.pipeline(transaction=False)
        for pk in ids:
            pipe.set(_key(kind, pk), _TOMBSTONE, ex=settings.FEED_CARD_TOMBSTONE_S)
        pipe.execute()
    except RedisError:
        log.warning("could not forget %s cards %s", kind, ids[:10], exc_info=True)


def forget_after_commit(kind: str, ids: Iterable[int]) -> None:
    """Forget now, for reads later in the same transaction, and again once committed,
    for the reads that refilled the entry from the rows as they were before."""
    ids = list(ids)
    if ids and redis_client() is not None:
        forget(kind, ids)
        transaction.on_commit(lambda: forget(kind, ids))


# --- entries to models -----------------------------------------------------------------------


def _build(model, names: tuple[str, ...], values):
    """A model instance from a row, as unpickling one does (Model.__reduce__): without
    Model.__init__, which costs three times as much per instance. Fields left out
    are deferred: Django reads them from the database if anything touches them."""
    obj = model.__new__(model)
    obj.__dict__.update(zip(names, values, strict=True))
    obj._state = ModelState()
    obj._state.adding, obj._state.db = False, DEFAULT_DB_ALIAS
    return obj


def user(entry: tuple) -> User:
    row, profile_row = entry
    person = _build(User, USER_FIELDS, row)
    profile = None
    if profile_row is not None:
        profile = _build(Profile, PROFILE_FIELDS, profile_row)
        profile._state.fields_cache["user"] = person
    person._state.fields_cache["profile"] = profile
    return person


def group(entry: tuple) -> Group:
    return _build(Group, GROUP_FIELDS, entry)


def post(entry: tuple) -> Post:
    """The bare post with its images; the caller sets author, group and original."""
    row, images, _original_author_id, _original_group_id = entry
    one = _build(Post, POST_FIELDS, row)
    one._image_list = [_build(PostImage, IMAGE_FIELDS, image) for image in images]
    return one


def original_refs(entry: tuple) -> tuple[int | None, int | None]:
    """The author and group ids of a repost's original."""
    return entry[2], entry[3]

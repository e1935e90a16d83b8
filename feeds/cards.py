"""What a home timeline page reads, kept in Redis, so that a warm page runs no SQL.

Entries, each a tuple of plain values (never a model; see _Row) with a TTL:

- post:<id>    the post's row, its images, and for a repost its original's author and
               group (so one more read fetches everything the page shows);
- user:<id>    what a card shows of a person (name, role, school, avatar); the rest of
               the row stays deferred, read from the database if anything touches it, so
               counters and private fields never pass through here;
- group:<id>   a group's name, kind, school, privacy and member count;
- sources:<id> whom a user follows, which groups they are in, and whom they blocked;
- school:<id>  the ids of a school's official groups.

Whatever changes an entry's rows forgets the entry, at once and again once committed
(feeds/signals.py, and the counter updates in feeds/services.py). Forgetting writes a
tombstone that lives a few seconds, and readers fill a missing entry with SET NX: a
reader that read the database before the change committed cannot put the old row
back. A post the database no longer has is remembered as gone (ids are never reused).

Any Redis error means "ask the database": the readers return None (read_home raises
RedisError) and the caller takes the database path.
"""

from __future__ import annotations

import logging
import marshal
import zlib
from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta
from itertools import chain

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import DateField, DateTimeField, Value
from django.db.models.base import ModelState
from django_tasks import task
from redis.exceptions import RedisError

from feeds import retry as retries
from feeds import timeline_store
from feeds.models import Post, PostImage
from yiban_core import metrics
from yiban_core.accounts.models import Block, Follow, Profile, User
from yiban_core.groups.models import Group, Membership
from yiban_core.redis import redis_client, script

log = logging.getLogger(__name__)

_TOMBSTONE, _GONE = b"-", b"0"

POST, USER, GROUP, SOURCES, SCHOOL = "post", "user", "group", "sources", "school"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


class _Row:
    """The columns an entry keeps of a model, in field order. Entries are marshalled
    (three times faster to read than pickles), and marshal knows no datetimes: they are
    kept as whole microseconds since the epoch, which converts back exactly; dates as
    their ordinal."""

    def __init__(self, model, wanted: set[str] | None = None):
        self.model = model
        self.names = tuple(f.attname for f in model._meta.concrete_fields
                           if wanted is None or f.attname in wanted)
        self.times = tuple((i, name) for i, name in enumerate(self.names)
                           if isinstance(model._meta.get_field(name), DateTimeField))
        self.dates = tuple((i, name) for i, name in enumerate(self.names)
                           if type(model._meta.get_field(name)) is DateField)

    def keep(self, row) -> tuple:
        row = list(row)
        for i, _name in self.times:
            if row[i] is not None:
                row[i] = (row[i] - _EPOCH) // _MICROSECOND
        for i, _name in self.dates:
            if row[i] is not None:
                row[i] = row[i].toordinal()
        return tuple(row)

    def build(self, values):
        """A model instance, as unpickling one does (Model.__reduce__): without
        Model.__init__, which costs three times as much. Fields left out are deferred:
        Django reads them from the database if anything touches them. (The values are of
        these names: the keys' prefix is made from them, see _PREFIX.)"""
        obj = self.model.__new__(self.model)
        fields = obj.__dict__
        fields.update(zip(self.names, values, strict=False))  # see _PREFIX
        for i, name in self.times:
            if (value := values[i]) is not None:
                fields[name] = _EPOCH + value * _MICROSECOND
        for i, name in self.dates:
            if (value := values[i]) is not None:
                fields[name] = date.fromordinal(value)
        fields["_state"] = _Loaded()
        return obj


class _Loaded(ModelState):
    """The state of an instance read from the default database."""

    adding = False
    db = DEFAULT_DB_ALIAS


_POST = _Row(Post)
_IMAGE = _Row(PostImage)
_USER = _Row(User, {"id", "username", "display_name", "role", "school_id", "verified_at",
                    "is_active", "member_number"})
# With what says whether the person is a minor: a card shows a minor's avatar as a letter.
_PROFILE = _Row(Profile, {"id", "user_id", "avatar", "birth_date", "minor_by_school"})
_GROUP = _Row(Group, {"id", "name", "kind", "school_id", "is_private", "join_policy",
                      "member_count"})


# --- loading from the database ---------------------------------------------------------------


def _load_posts(ids: list[int]) -> dict[int, tuple]:
    rows = Post.objects.filter(pk__in=ids).values_list(
        *_POST.names, "repost_of__author_id", "repost_of__group_id")
    images: dict[int, list[tuple]] = {}
    post_at = _IMAGE.names.index("post_id")
    for image in PostImage.objects.filter(post_id__in=ids).order_by("position") \
            .values_list(*_IMAGE.names):
        images.setdefault(image[post_at], []).append(_IMAGE.keep(image))
    n = len(_POST.names)
    return {row[0]: (_POST.keep(row[:n]), tuple(images.get(row[0], ())), row[n], row[n + 1])
            for row in rows}


def _load_users(ids: list[int]) -> dict[int, tuple]:
    n = len(_USER.names)
    rows = User.objects.filter(pk__in=ids).values_list(
        *_USER.names, *(f"profile__{name.removesuffix('_id')}" for name in _PROFILE.names))
    return {row[0]: (_USER.keep(row[:n]), _PROFILE.keep(row[n:]) if row[n] is not None else None)
            for row in rows}


def _load_groups(ids: list[int]) -> dict[int, tuple]:
    return {row[0]: _GROUP.keep(row)
            for row in Group.objects.filter(pk__in=ids).values_list(*_GROUP.names)}


def _load_sources(ids: list[int]) -> dict[int, tuple]:
    found: dict[int, tuple[set, set, set]] = {pk: (set(), set(), set()) for pk in ids}
    follows = Follow.objects.filter(follower_id__in=ids).values_list(
        "follower_id", "followee_id", Value(0))
    groups = Membership.objects.filter(user_id__in=ids).values_list(
        "user_id", "group_id", Value(1))
    blocks = Block.objects.filter(blocker_id__in=ids).values_list(
        "blocker_id", "blocked_id", Value(2))
    for user_id, other, kind in follows.union(groups, blocks, all=True):
        found[user_id][kind].add(other)
    return {pk: tuple(frozenset(each) for each in entry) for pk, entry in found.items()}


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

# The prefix moves when the entries change shape: a card of other columns is never read.
_SHAPE = zlib.crc32(repr([row.names for row in (_POST, _IMAGE, _USER, _PROFILE, _GROUP)]).encode())
_PREFIX = f"yb:card2.{_SHAPE:08x}:"  # card2: sources carry blocks

# Lua: the post cards of some ids, then, in one more MGET, the people, originals and
# groups named in their headers (see _encode). The keys are built in the script, not
# passed in KEYS, which a single Redis allows and a cluster would not.
_JOIN_FUNCTION = """
local prefix = ARGV[1]
local function join(ids)
  if #ids == 0 then return {{}, {}, {}, {}} end
  local keys = {}
  for i, id in ipairs(ids) do keys[i] = prefix .. 'post:' .. id end
  local posts = redis.call('MGET', unpack(keys))
  local kinds, more_ids, more, seen = {}, {}, {}, {}
  local function want(kind, id)
    if id ~= '0' then
      local k = prefix .. kind .. ':' .. id
      if not seen[k] then
        seen[k] = true
        kinds[#kinds + 1] = kind; more_ids[#more_ids + 1] = id; more[#more + 1] = k
      end
    end
  end
  for _, v in ipairs(posts) do
    if v then
      local a, o, oa, og = string.match(v, '^(%d+),(%d+),(%d+),(%d+);')
      if a then want('user', a); want('post', o); want('user', oa); want('group', og) end
    end
  end
  if #more == 0 then return {posts, kinds, more_ids, {}} end
  return {posts, kinds, more_ids, redis.call('MGET', unpack(more))}
end
"""

# ARGV: prefix, post ids...
_JOIN = _JOIN_FUNCTION + """
local ids = {}
for i = 2, #ARGV do ids[#ids + 1] = ARGV[i] end
return join(ids)
"""

# What the first round of a home page reads, in one round trip: the user's sources and
# school channels (or those given), their own timeline's slice (its TTL renewed), the
# cards and timeline slices of all their groups (only those merged at read time have a
# timeline; not knowing which yet, it reads all, without renewing TTLs), and the cards of
# the newest `count` ids of all those slices. Stops after the slice when the sources
# are not there. ARGV: prefix, user id, school id (0: none), own timeline key, group
# timeline key prefix, upper score ('+inf' or '(id'), count, timeline TTL, sources and
# school channels when the caller read them ('' to read them here).
_HOME = _JOIN_FUNCTION + timeline_store.SLICE_FUNCTION + """
local uid, school, own_key, gtl = ARGV[2], ARGV[3], ARGV[4], ARGV[5]
local upper, count, ttl = ARGV[6], tonumber(ARGV[7]), ARGV[8]
local function usable(v) return v and v ~= '-' and v ~= '0' end  -- _TOMBSTONE, _GONE
local sources = ARGV[9] ~= '' and ARGV[9] or redis.call('GET', prefix .. 'sources:' .. uid)
local official = ';'
if school ~= '0' then
  official = ARGV[10] ~= '' and ARGV[10] or redis.call('GET', prefix .. 'school:' .. school)
end
local own = slice(own_key, true, upper, count, ttl)
if not usable(sources) or not usable(official) then return {sources, official, own} end
local group_ids, group_keys, seen = {}, {}, {}
for id in string.gmatch(string.match(sources, '^[^;]*;([^;]*)') .. official, '%d+') do
  if not seen[id] then
    seen[id] = true
    group_ids[#group_ids + 1] = id
    group_keys[#group_keys + 1] = prefix .. 'group:' .. id
  end
end
local groups = {}
if #group_keys > 0 then groups = redis.call('MGET', unpack(group_keys)) end
local slices, candidates = {}, {}
seen = {}
local function take(ids)
  for _, id in ipairs(ids) do
    if not seen[id] then seen[id] = true; candidates[#candidates + 1] = tonumber(id) end
  end
end
take(own[3])
for i, id in ipairs(group_ids) do
  slices[i] = slice(gtl .. id, false, upper, count, ttl)
  take(slices[i][3])
end
table.sort(candidates)
local top = {}
for i = #candidates, math.max(1, #candidates - count + 1), -1 do
  top[#top + 1] = string.format('%d', candidates[i])
end
return {sources, official, own, group_ids, groups, slices, top, join(top)}
"""


def _key(kind: str, pk: int) -> str:
    return f"{_PREFIX}{kind}:{pk}"


def _ids_text(ids) -> bytes:
    return ",".join(map(str, sorted(ids))).encode()


def _ids(text: bytes) -> list[int]:
    return [int(pk) for pk in text.split(b",") if pk]


def _encode(kind: str, entry: tuple) -> bytes:
    """Marshalled tuples, except what the scripts read: sources and school channels are
    plain text ("followees;groups;blocked", ";groups"), and a post card starts with a header of
    the ids of its author, original, original's author and original's group (0: none)."""
    if kind == SOURCES:
        return b";".join(_ids_text(ids) for ids in entry)
    if kind == SCHOOL:
        return b";" + _ids_text(entry)
    data = marshal.dumps(entry)
    if kind != POST:
        return data
    return b"%d,%d,%d,%d;" % _refs(entry) + data


def _decode_sources(value: bytes) -> tuple[frozenset[int], frozenset[int], frozenset[int]]:
    people, groups, blocked = value.split(b";")
    return frozenset(_ids(people)), frozenset(_ids(groups)), frozenset(_ids(blocked))


_DECODE: dict[str, Callable[[bytes], tuple]] = {
    POST: lambda value: marshal.loads(value[value.index(b";") + 1:]),
    USER: marshal.loads, GROUP: marshal.loads,
    SOURCES: _decode_sources, SCHOOL: lambda value: tuple(_ids(value[1:])),
}


def _refs(entry: tuple) -> tuple[int, int, int, int]:
    row, _images, original_author_id, original_group_id = entry
    return (row[_AUTHOR_AT], row[_ORIGINAL_AT] or 0, original_author_id or 0,
            original_group_id or 0)


_AUTHOR_AT, _ORIGINAL_AT = _POST.names.index("author_id"), _POST.names.index("repost_of_id")


class Found(dict):
    """{kind: {id: entry}} of what a read found; ids the database does not have are left
    out, and kept in `gone` as (kind, id)."""

    def __init__(self):
        super().__init__()
        self.gone: set[tuple[str, int]] = set()

    def update_from(self, other: Found) -> None:
        for kind, entries in other.items():
            self[kind].update(entries)
        self.gone |= other.gone

    def __missing__(self, kind: str) -> dict[int, tuple]:
        self[kind] = {}
        return self[kind]


def _take(found: Found, values: Iterable[tuple[str, int, bytes | None]]) -> dict[str, list[int]]:
    """Decode values into found; return what must be read from the database."""
    missing: dict[str, list[int]] = {}
    for kind, pk, value in values:
        if value is None or value == _TOMBSTONE:
            missing.setdefault(kind, []).append(pk)
        elif value == _GONE:
            found.gone.add((kind, pk))
        else:
            found[kind][pk] = _DECODE[kind](value)
    return missing


def _joined(client, ids: list, reply: list) -> Found:
    """The Found of a join script's reply, the missing entries read from the database."""
    found = Found()
    ids = [int(pk) for pk in ids]
    posts, kinds, more_ids, more = reply
    missing = _take(found, chain(
        ((POST, pk, value) for pk, value in zip(ids, posts, strict=True)),
        ((kind.decode(), int(pk), value)
         for kind, pk, value in zip(kinds, more_ids, more, strict=True))))
    filled = missing.pop(POST, [])
    _fill(client, {POST: filled} if filled else {}, found)
    # The script looked up what the cards it found among `ids` name. The cards just read
    # from the database, and the originals, name rows still to look up: read those from
    # the database too, with the rest that was missing.
    followed = set(ids).difference(filled)
    for pk, entry in list(found[POST].items()):
        if pk in followed:
            continue
        author, original, original_author, original_group = _refs(entry)
        for kind, ref in ((USER, author), (POST, original), (USER, original_author),
                          (GROUP, original_group)):
            if (ref and ref not in found[kind] and (kind, ref) not in found.gone
                    and ref not in missing.get(kind, ())):
                missing.setdefault(kind, []).append(ref)
    _fill(client, missing, found)
    return found


class Home:
    """What read_home read (see _HOME)."""

    def __init__(self, followees, member_ids, blocked, own: list, group_ids: list[int],
                 slices: list[list], groups: Found, posts_asked: set[int], posts: Found):
        self.followees, self.member_ids, self.blocked = followees, member_ids, blocked
        self.own, self.group_ids, self.slices = own, group_ids, slices
        self.groups, self.posts_asked, self.posts = groups, posts_asked, posts


def read_home(user, *, before: int | None, count: int) -> Home | None:
    """The first round of a home page (_HOME) in one round trip when warm; slices are
    returned raw (timeline_store.parse_slice). None when Redis is unavailable; raises
    RedisError."""
    client = redis_client()
    if client is None:
        return None
    school = user.school_id or 0
    args = [_PREFIX, user.pk, school, timeline_store.key(user.pk), timeline_store.GROUP_PREFIX,
            timeline_store.upper_bound(before), count, settings.FEED_TIMELINE_TTL_S]
    home = script(client, _HOME)
    reply = home(args=[*args, "", ""])
    if len(reply) == 3:  # the sources were not there: read them, and go again
        found = _read({SOURCES: [user.pk], SCHOOL: [school] if school else []})
        if found is None:
            raise RedisError("card read failed")
        given = [_encode(SOURCES, found[SOURCES][user.pk]),
                 _encode(SCHOOL, found[SCHOOL][school]) if school else b""]
        reply = home(args=[*args, *given])
    sources, _official, own, group_ids, group_values, slices, top, joined = reply
    followees, member_ids, blocked = _decode_sources(sources)
    group_ids = [int(pk) for pk in group_ids]
    groups = Found()
    _fill(client, _take(groups, ((GROUP, pk, value) for pk, value
                               in zip(group_ids, group_values, strict=True))), groups)
    return Home(followees, member_ids, blocked, own, group_ids, slices, groups,
                {int(pk) for pk in top}, _joined(client, top, joined))


def _read(wanted: dict[str, Iterable[int]]) -> Found | None:
    """The entries asked for ({kind: ids}), the missing ones read from the database and
    stored; None when Redis is unavailable or fails."""
    client = redis_client()
    if client is None:
        return None
    asked = [(kind, pk) for kind, ids in wanted.items() for pk in dict.fromkeys(ids)]
    found = Found()
    try:
        values = client.mget([_key(kind, pk) for kind, pk in asked]) if asked else []
        _fill(client, _take(found, (
            (kind, pk, value) for (kind, pk), value in zip(asked, values, strict=True))), found)
    except RedisError:
        metrics.redis_fallback("card_read")
        log.warning("card read failed; using the database", exc_info=True)
        return None
    return found


def read_posts(ids: list[int]) -> Found | None:
    """Post cards with the people, originals and groups they show: one round trip when
    warm. None when Redis is unavailable or fails."""
    client = redis_client()
    if client is None:
        return None
    try:
        reply = script(client, _JOIN)(args=[_PREFIX, *ids]) if ids else [[], [], [], []]
        return _joined(client, ids, reply)
    except RedisError:
        metrics.redis_fallback("card_read")
        log.warning("card read failed; using the database", exc_info=True)
        return None


def _fill(client, missing: dict[str, list[int]], found: Found) -> None:
    """Read the missing entries from the database and store them, unless a change
    forgot them meanwhile (SET NX: a tombstone stays)."""
    if not missing:
        return
    pipe = client.pipeline(transaction=False)
    for kind, ids in missing.items():
        loaded = _LOADERS[kind](ids)
        found[kind].update(loaded)
        found.gone.update((kind, pk) for pk in ids if pk not in loaded)
        for pk in ids:
            value = _encode(kind, loaded[pk]) if pk in loaded else _GONE
            pipe.set(_key(kind, pk), value, ex=settings.FEED_CARD_TTL_S, nx=True)
    try:
        pipe.execute()
    except RedisError:
        metrics.redis_fallback("card_fill")
        log.warning("card fill failed", exc_info=True)


def forget(kind: str, ids: Iterable[int], *, retry: bool = True) -> None:
    """Drop entries whose rows changed: a tombstone, which SET NX does not replace.
    When Redis fails, the task queue tries again (feeds/retry.py) unless not `retry`."""
    ids = [pk for pk in ids if pk is not None]
    try:
        forget_or_raise(kind, ids)
    except RedisError:
        metrics.redis_fallback("card_forget")
        log.warning("could not forget %s cards %s", kind, ids[:10], exc_info=True)
        if retry:
            retries.later(forget_cards, give_up_after_s=settings.FEED_CARD_TTL_S,
                          kind=kind, ids=ids)


@task()
def forget_cards(*, kind: str, ids: list[int], attempt: int = 0,
                 since: float | None = None) -> None:
    """forget() again, after Redis failed it (a task of this module: no circle)."""
    try:
        forget_or_raise(kind, ids)
    except RedisError:
        retries.later(forget_cards, give_up_after_s=settings.FEED_CARD_TTL_S,
                      attempt=attempt, since=since, kind=kind, ids=ids)


def forget_or_raise(kind: str, ids: list[int]) -> None:
    client = redis_client()
    if client is None or not ids:
        return
    pipe = client.pipeline(transaction=False)
    for pk in ids:
        pipe.set(_key(kind, pk), _TOMBSTONE, ex=settings.FEED_CARD_TOMBSTONE_S)
    pipe.execute()


def forget_after_commit(kind: str, ids: Iterable[int]) -> None:
    """Forget now, for reads later in the same transaction, and again once committed,
    for the reads that refilled the entry from the rows as they were before (that
    one is retried if Redis fails: the change is committed then)."""
    ids = list(ids)
    if ids and redis_client() is not None:
        forget(kind, ids, retry=False)
        transaction.on_commit(lambda: forget(kind, ids))


# --- entries to models -----------------------------------------------------------------------


def user(entry: tuple) -> User:
    """The person with their profile. The profile does not point back (profile.user would
    read the row): the pair would be a reference cycle, garbage only the collector frees,
    and 18 such pairs a page set off a collection every few pages."""
    row, profile_row = entry
    person = _USER.build(row)
    person._state.fields_cache["profile"] = (
        _PROFILE.build(profile_row) if profile_row is not None else None)
    return person


def group(entry: tuple) -> Group:
    return _GROUP.build(entry)


def post(entry: tuple) -> Post:
    """The bare post with its images; the caller sets author, group and original."""
    row, images, _original_author_id, _original_group_id = entry
    one = _POST.build(row)
    one._image_list = [_IMAGE.build(image) for image in images]
    return one

"""Every read of posts, comments and topics: the one place that decides who sees a post.

A post is seen by its author, and otherwise by its visibility:
public: everyone; school: verified members of the author's school (when posted);
followers: the author's followers; group: the group's members, or anyone when
the group is not private. Every timeline, GraphQL field and page goes through
`visible_posts` (or `can_see_post` for one post already in hand), except the home
timeline read from the Redis cards, which applies the same rule in Python
(`_HomeSources.admits`). Both read the rule from one table (feeds/visibility.py), and
tests hold the two paths to the same pages.

Timelines are newest first by id; a cursor is the last id seen, signed.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from functools import cached_property
from itertools import chain

from django.core.cache import cache
from django.db import transaction
from django.db.models import (
    Count,
    Prefetch,
    Q,
    QuerySet,
)
from django.utils import timezone
from django.utils.translation import gettext as _
from redis.exceptions import RedisError

from feeds import cards, timeline_rebuild, timeline_store, visibility
from feeds.models import (
    Comment,
    CommentLike,
    Post,
    PostImage,
    PostLike,
    PostTopic,
    Topic,
    Visibility,
)
from feeds.text import normalize_topic
from feeds.timeline_rebuild import (
    home_groups,
    home_ids,
    merged_at_read_time_kind,
    newest_ids,
)
from yiban_core import metrics
from yiban_core.accounts.models import Block, Follow, School, User
from yiban_core.accounts.selectors import blocked_ids
from yiban_core.actor import Actor
from yiban_core.errors import NotFound
from yiban_core.groups.models import Group, Membership
from yiban_core.groups.rules import require_content_access
from yiban_core.ids import parse_id
from yiban_core.moderation.models import ContentState
from yiban_core.notifications.targets import DELETED, HIDDEN, Excerpts, excerpt
from yiban_core.pagination import Page, clamp_page_size, decode_cursor, encode_cursor, paginate

log = logging.getLogger(__name__)

# --- who sees what -----------------------------------------------------------------


def _followee_ids(user: User):
    return Follow.objects.filter(follower=user).values("followee_id")


def _member_group_ids(user: User):
    return Membership.objects.filter(user=user).values("group_id")


def _blocked_ids(user: User):
    return Block.objects.filter(blocker=user).values("blocked_id")


def reader_of(actor: Actor) -> visibility.Reader:
    """The actor as the visibility table asks about them, in SQL terms."""
    user = actor.user
    if user is not None:
        return visibility.Reader(user_id=user.pk, school_id=user.verified_school_id,
                                 followee_ids=_followee_ids(user),
                                 member_group_ids=_member_group_ids(user),
                                 blocked_ids=_blocked_ids(user))
    if actor.school is not None:  # a school app sees its own school's content
        return visibility.Reader(school_id=actor.school.pk, is_school_app=True)
    return visibility.Reader()


def visible_q(actor: Actor) -> Q:
    return visibility.q(reader_of(actor))


def with_details(qs: QuerySet[Post]) -> QuerySet[Post]:
    """The rows a post card shows, joined in the same query."""
    return qs.select_related(
        "author", "author__profile", "group",
        "repost_of", "repost_of__author", "repost_of__author__profile",
    )


def _by_pk(posts: list[Post]) -> dict[int, list[Post]]:
    """The posts and the originals they repost, by id: the same post may be on a page
    twice (as itself and as an original), as two objects."""
    found: dict[int, list[Post]] = {}
    for post in posts:
        for each in (post, post.repost_of if post.repost_of_id is not None else None):
            if each is None:
                continue
            same = found.setdefault(each.pk, [])
            if not any(each is other for other in same):
                same.append(each)
    return found


def attach_details(posts: list[Post]) -> list[Post]:
    """Images of a page of posts and of the originals they repost: one query, whatever
    the page holds (see Post.image_list). Topics, which only the API shows, are read
    by attach_topics when asked for."""
    found = _by_pk(posts)
    if not found:
        return posts
    for post in chain.from_iterable(found.values()):
        post._image_list = []
    for image in PostImage.objects.filter(post_id__in=found).order_by("position"):
        for post in found[image.post_id]:
            post._image_list.append(image)
    return posts


def attach_topics(posts: list[Post]) -> None:
    """Topics of those of the posts (and originals) that have none attached: one query."""
    found = {pk: todo for pk, each in _by_pk(posts).items()
             if (todo := [p for p in each if not hasattr(p, "_topic_list")])}
    if not found:
        return
    for post in chain.from_iterable(found.values()):
        post._topic_list = []
    links = PostTopic.objects.filter(post_id__in=found).select_related("topic")
    for link in links.order_by("pk"):
        for post in found[link.post_id]:
            post._topic_list.append(link.topic)


def _page(qs: QuerySet[Post], *, first, after) -> Page:
    page = paginate(qs, first=first, after=after)
    attach_details(page.items)
    return page


def visible_posts(*, actor: Actor) -> QuerySet[Post]:
    actor.require_scope("feed:read")
    return with_details(Post.objects.filter(visible_q(actor)))


def can_see_post(actor: Actor, post: Post) -> bool:
    if not actor.has_scope("feed:read"):
        return False
    return Post.objects.filter(visible_q(actor), pk=post.pk).exists()


def get_post(*, actor: Actor, pk) -> Post:
    pk = parse_id(pk)
    post = visible_posts(actor=actor).filter(pk=pk).first() if pk else None
    if post is None:
        raise NotFound(_("动态不存在或你无权查看"), field="post")
    attach_details([post])
    post._seen_by = actor  # checked: comments() need not ask again in this request
    return post


def shown_comments_q(actor: Actor) -> Q:
    """Comments held or removed by moderation are shown to their authors only; those of
    people the reader blocked (拉黑), to nobody."""
    q = Q(moderation=ContentState.VISIBLE)
    if actor.user is None:
        return q
    return (q | Q(author_id=actor.user.pk)) & ~Q(author_id__in=_blocked_ids(actor.user))


def comment_is_shown(actor: Actor, comment: Comment) -> bool:
    """shown_comments_q for one comment in hand."""
    if actor.user is None:
        return comment.moderation == ContentState.VISIBLE
    return ((comment.moderation == ContentState.VISIBLE or comment.author_id == actor.user.pk)
            and comment.author_id not in blocked_ids(actor.user))


def visible_post_ids(*, actor: Actor, ids) -> set[int]:
    """Which of these post ids the viewer may see: one query for a whole page."""
    ids = list(ids)
    if not ids or not actor.has_scope("feed:read"):
        return set()
    return set(seen_posts(actor=actor).filter(pk__in=ids).values_list("pk", flat=True))


def seen_posts(*, actor: Actor) -> QuerySet[Post]:
    """The posts the viewer may see, bare (no joined rows): visible_post_ids' rule as a
    queryset, for a query that checks its own rows against it (the site search)."""
    if not actor.has_scope("feed:read"):
        return Post.objects.none()
    return Post.objects.filter(visible_q(actor))


def shown_repost_of(*, actor: Actor, post: Post) -> Post | None:
    """The original of a repost, when it still exists and the viewer may see it."""
    return shown_reposts(actor=actor, posts=[post]).get(post.pk)


def shown_reposts(*, actor: Actor, posts) -> dict[int, Post]:
    """For a page of posts, {repost id: its original} for the originals the viewer may
    see: one query, whatever the page size."""
    visible = visible_post_ids(actor=actor, ids={p.repost_of_id for p in posts
                                                 if p.repost_of_id is not None})
    return {p.pk: p.repost_of for p in posts if p.repost_of_id in visible}


def notification_excerpts(actor: Actor, refs) -> dict[tuple, Excerpts]:
    """What notifications about posts quote, for a page of (kind, post id, detail id):
    the post's first words and the detail's (a comment, or the repost that quoted it),
    only while the reader may see the post; a deleted one is said to be deleted."""
    post_ids = {pk for _kind, pk, _detail in refs}
    post_ids |= {detail for kind, _pk, detail in refs if detail and kind == "reposted"}
    existing = dict(Post.objects.filter(pk__in=post_ids).values_list("pk", "text"))
    visible = visible_post_ids(actor=actor, ids=existing)
    comment_ids = {detail for kind, _pk, detail in refs if detail and kind != "reposted"}
    comments = dict(Comment.objects.filter(shown_comments_q(actor), pk__in=comment_ids,
                                           post_id__in=visible)
                    .values_list("pk", "text")) if comment_ids else {}

    def post_text(pk: int) -> tuple[str | None, str]:
        if pk not in existing:
            return None, DELETED
        if pk not in visible:
            return None, HIDDEN
        return excerpt(existing[pk]), ""

    found = {}
    for kind, pk, detail in refs:
        target, target_state = post_text(pk)
        if target == "":
            target = _("[图片]")  # a post of images only
        detail_text, detail_state = None, ""
        if detail and kind == "reposted":
            detail_text, detail_state = post_text(detail)
            detail_text = detail_text or None  # a repost without words of its own
        elif detail and target is not None:
            detail_text = excerpt(comments[detail]) if detail in comments else None
            detail_state = "" if detail in comments else DELETED
        elif detail:
            detail_state = target_state
        found[(kind, pk, detail)] = Excerpts(target, target_state, detail_text, detail_state)
    return found


# --- timelines ------------------------------------------------------------------------


def _newest(qs: QuerySet[Post]) -> QuerySet[Post]:
    return qs.order_by("-pk")


def _in_group(actor: Actor, group: Group) -> QuerySet[Post]:
    require_content_access(actor, group)
    return visible_posts(actor=actor).filter(group=group)


def _pinned(seen: QuerySet[Post]) -> list[Post]:
    return list(seen.filter(pinned_at__isnull=False).order_by("-pinned_at")[:5])


def group_timeline(*, actor: Actor, group: Group, first=None, after=None) -> Page:
    return _page(_newest(_in_group(actor, group)), first=first, after=after)


def group_announcements(*, actor: Actor, group: Group) -> list[Post]:
    return attach_details(_pinned(_in_group(actor, group)))


def group_page_posts(*, actor: Actor, group: Group, first=None, after=None
                     ) -> tuple[list[Post], Page]:
    """A group page's posts: its pinned announcements and a page of its timeline, under
    one reading of the visibility rule, with their images in one query."""
    seen = _in_group(actor, group)
    announcements = _pinned(seen)
    page = paginate(_newest(seen), first=first, after=after)
    attach_details(announcements + page.items)
    return announcements, page


def user_timeline(*, actor: Actor, user: User, first=None, after=None) -> Page:
    """A person's own posts (not their group posts, which belong to the group)."""
    qs = visible_posts(actor=actor).filter(author=user, group__isnull=True)
    return _page(_newest(qs), first=first, after=after)


def topic_timeline(*, actor: Actor, name: str, first=None, after=None) -> Page:
    topic = Topic.objects.filter(normalized=normalize_topic(name)).first()
    if topic is None:
        raise NotFound(_("没有这个话题"), field="topic")
    qs = visible_posts(actor=actor).filter(topic_links__topic=topic)
    return _page(_newest(qs), first=first, after=after)


def school_square(*, actor: Actor, school: School, first=None, after=None) -> Page:
    """The public square of a school: its members' posts open to the viewer, outside groups."""
    qs = visible_posts(actor=actor).filter(author__school=school, group__isnull=True)
    return _page(_newest(qs), first=first, after=after)


class _HomeSources:
    """Where a user's home timeline comes from, read once per request: their groups
    (and their school's official channel, joined or not), split into those fanned out
    and those merged at read time; whom they follow. From the database (`from_db`) or
    from the Redis cards (`from_cards`, which also keeps the groups for the page)."""

    def __init__(self, user: User, groups: list[tuple[int, str, int]], *,
                 followees: frozenset[int] | None = None,
                 blocked: frozenset[int] | None = None,
                 member_ids: frozenset[int] = frozenset(),
                 group_cards: dict[int, Group] | None = None):
        self.user = user
        self.group_ids = sorted({pk for pk, _kind, _count in groups})
        self.large_ids = sorted({pk for pk, kind, count in groups
                                 if merged_at_read_time_kind(kind, count)})
        self.fanned_ids = sorted(set(self.group_ids) - set(self.large_ids))
        self._followees = followees
        self._blocked = blocked
        self.member_ids = member_ids
        self.group_cards = group_cards
        self.read_ahead: dict[tuple, timeline_store.Slice | None] = {}
        self.posts_ahead: tuple[set[int], cards.Found] = (set(), cards.Found())

    @classmethod
    def from_db(cls, user: User) -> _HomeSources:
        return cls(user, home_groups(user))

    @classmethod
    def from_cards(cls, user: User, *, before: int | None, count: int) -> _HomeSources | None:
        """From the Redis cards, with what the first round of home_timeline reads (the
        timelines' slices before `before`, the cards of their newest ids): one round
        trip when warm (cards.read_home). None when Redis fails."""
        try:
            home = cards.read_home(user, before=before, count=count)
        except RedisError:
            metrics.redis_fallback("home_sources")
            log.warning("home sources could not be read from Redis", exc_info=True)
            return None
        if home is None:
            return None
        groups = {pk: cards.group(entry) for pk, entry in home.groups[cards.GROUP].items()}
        sources = cls(user, [(g.pk, g.kind, g.member_count) for g in groups.values()],
                      followees=home.followees, blocked=home.blocked,
                      member_ids=home.member_ids, group_cards=groups)
        slices = [home.own, *home.slices]
        keys = [timeline_store.key(user.pk),
                *(timeline_store.group_key(pk) for pk in home.group_ids)]
        sources.read_ahead = {(k, before, count): timeline_store.parse_slice(raw, count)
                              for k, raw in zip(keys, slices, strict=True)}
        sources.posts_ahead = (home.posts_asked, home.posts)
        return sources

    @cached_property
    def followees(self) -> frozenset[int]:
        if self._followees is not None:
            return self._followees
        return frozenset(Follow.objects.filter(follower=self.user)
                         .values_list("followee_id", flat=True))

    @cached_property
    def blocked(self) -> frozenset[int]:
        if self._blocked is not None:
            return self._blocked
        return frozenset(_blocked_ids(self.user).values_list("blocked_id", flat=True))

    @property
    def people_ids(self) -> list[int]:
        return [*self.followees, self.user.pk]

    @cached_property
    def reader(self) -> visibility.Reader:
        return visibility.Reader(user_id=self.user.pk, school_id=self.user.verified_school_id,
                                 followee_ids=self.followees, member_group_ids=self.member_ids,
                                 blocked_ids=self.blocked)

    def admits(self, post: Post) -> bool:
        """home_q and visible_q for one post read from the cards, in Python (the
        visibility table's `admits`). tests/feeds/test_visibility.py holds the Redis and
        database paths to the same pages."""
        user_id, author, group_id = self.user.pk, post.author_id, post.group_id
        if group_id is None:
            if author != user_id and author not in self.followees:
                return False
        elif group_id not in self.group_cards:
            return False
        return visibility.admits(self.reader, post, self.group_cards.get(group_id))

    def posts_from_cards(self, ids: list[int]) -> dict[int, Post] | None:
        """Those of the ids the user may see in their home timeline, with what a card
        shows, from the Redis cards (those read ahead, and the rest in one round trip);
        None when Redis fails."""
        asked, found = self.posts_ahead
        rest = [pk for pk in ids if pk not in asked]
        if rest:
            more = cards.read_posts(rest)
            if more is None:
                return None
            found.update_from(more)
            asked.update(rest)
        people = {pk: cards.user(entry) for pk, entry in found[cards.USER].items()}
        groups = {**self.group_cards,
                  **{pk: cards.group(entry) for pk, entry in found[cards.GROUP].items()}}
        posts = found[cards.POST]
        shown = {}
        for pk in ids:
            entry = posts.get(pk)
            if entry is None or not self.admits(post := cards.post(entry)):
                continue
            original = None
            if (original_id := post.repost_of_id) is not None:
                if original_id in posts:
                    original = _attached(cards.post(posts[original_id]), people, groups, None)
                if original is None:
                    post.repost_of_id = None  # deleted since: the database set it to NULL
            if _attached(post, people, groups, original) is not None:
                shown[pk] = post
        return shown


def _attached(post: Post, people: dict[int, User], groups: dict[int, Group],
              original: Post | None) -> Post | None:
    """The post with the rows a card shows set; None when one of them is gone (being
    deleted)."""
    author = people.get(post.author_id)
    group = None
    if (group_id := post.group_id) is not None and (group := groups.get(group_id)) is None:
        return None
    if author is None:
        return None
    cache_ = post._state.fields_cache
    cache_["author"], cache_["group"] = author, group
    if original is not None or post.repost_of_id is None:
        cache_["repost_of"] = original
    return post


def home_q(user: User, group_ids: list[int]) -> Q:
    """Posts that belong in the user's home timeline (visibility aside)."""
    own_circle = Q(author_id__in=_followee_ids(user)) | Q(author_id=user.pk)
    return (own_circle & Q(group__isnull=True)) | Q(group_id__in=group_ids)


def _home_ids_from_db(sources: _HomeSources, group_ids: list[int], *, before: int | None,
                      count: int) -> list[int]:
    return home_ids(sources.user, sources.people_ids, group_ids, before=before, count=count,
                    blocked_ids=sources.blocked)


def _home_ids_from_redis(sources: _HomeSources, *, before: int | None,
                         count: int) -> list[int] | None:
    """The user's fanned-out ids merged with the groups merged at read time, each from
    its own Redis timeline (all read in one round trip); None: ask the database."""
    keys = [timeline_store.key(sources.user.pk),
            *(timeline_store.group_key(group_id) for group_id in sources.large_ids)]
    if all((k, before, count) in sources.read_ahead for k in keys):
        own, *groups = [sources.read_ahead[(k, before, count)] for k in keys]
    else:
        own, *groups = timeline_store.read_many(keys, before=before, count=count)
    if own is None:
        return None
    ids = _continued(own, before, count, lambda older, n: _home_ids_from_db(
        sources, sources.fanned_ids, before=older, count=n))
    for group_id, slice_ in zip(sources.large_ids, groups, strict=True):
        def from_db(older, n, group_id=group_id):
            return newest_ids(Post.objects.filter(group_id=group_id), older, n)

        if slice_ is None:
            timeline_rebuild.schedule_group(group_id)
            extra = from_db(before, count)
        else:
            extra = _continued(slice_, before, count, from_db)
        ids = sorted({*ids, *extra}, reverse=True)[:count]
    return ids


def _continued(slice_: timeline_store.Slice, before: int | None, count: int,
               older_from_db) -> list[int]:
    """A slice's ids; when it ran off the end of a capped timeline, the database has
    the older posts."""
    ids = slice_.ids
    if not slice_.reaches_end and len(ids) < count:
        ids = ids + older_from_db(ids[-1] if ids else before, count - len(ids))
    return ids


_HOME_ORDER = _newest(Post.objects.all())  # the cursors' ordering; never evaluated


def home_timeline(*, actor: Actor, first=None, after=None) -> Page:
    """Followed people, the user's groups and their school's official group, newest first.

    With Redis, the ids come from the user's timeline there (else from the database,
    and the Redis timeline is rebuilt in the background), and the posts, the people
    and the groups from the cards (feeds/cards.py), which every change forgets: a warm
    page runs no SQL. Without Redis, every id is checked in the database. Either way an
    unfollow, a left group, a deleted post or a changed visibility takes effect at once.
    """
    actor.require_scope("feed:read")
    user = actor.require_user()
    size = clamp_page_size(first)
    before = int(decode_cursor(_HOME_ORDER, after)[0]) if after else None
    sources = (_HomeSources.from_cards(user, before=before, count=size + 1)
               or _HomeSources.from_db(user))
    items: list[Post] = []
    dry = False
    # Ids can drop out on the final check (unfollowed since the fan-out ...): read on.
    for _round in range(4):
        want = size + 1 - len(items)
        ids = _home_ids_from_redis(sources, before=before, count=want)
        if ids is None:
            timeline_rebuild.schedule_home(user.pk)
            ids = _home_ids_from_db(sources, sources.group_ids, before=before, count=want)
        found = _home_posts(actor, sources, ids)
        items += [found[i] for i in ids if i in found]
        dry = len(ids) < want
        if dry or len(items) > size:
            break
        before = ids[-1]
    has_next = bool(items) and (len(items) > size or not dry)
    items = items[:size]
    attach_details([post for post in items if not hasattr(post, "_image_list")])
    return Page(items=items, has_next=has_next,
                cursor_of=lambda post: encode_cursor(_HOME_ORDER, post))


def _home_posts(actor: Actor, sources: _HomeSources, ids: list[int]) -> dict[int, Post]:
    if not ids:
        return {}
    if sources.group_cards is not None:
        found = sources.posts_from_cards(ids)
        if found is not None:
            return found
    allowed = visible_posts(actor=actor).filter(home_q(sources.user, sources.group_ids))
    return {post.pk: post for post in allowed.filter(pk__in=ids)}


def home_groups_merged_at_read_time(user: User) -> list[int]:
    """The groups of the user's home timeline that are merged at read time."""
    return _HomeSources.from_db(user).large_ids


# --- comments, likes, topics -----------------------------------------------------------


def comments(*, actor: Actor, post: Post, first=None, after=None) -> Page:
    """Top-level comments, oldest first, each with its replies (one level deep); a
    blocked person's comment is left out with its replies."""
    if getattr(post, "_seen_by", None) is not actor and not can_see_post(actor, post):
        raise NotFound(_("动态不存在或你无权查看"), field="post")
    shown = shown_comments_q(actor)
    replies = (Comment.objects.filter(shown)
               .select_related("author", "author__profile", "reply_to").order_by("pk"))
    qs = (Comment.objects.filter(shown, post=post, parent__isnull=True)
          .select_related("author", "author__profile")
          .prefetch_related(Prefetch("replies", queryset=replies))
          .order_by("pk"))
    return paginate(qs, first=first, after=after)


def liked_post_ids(*, actor: Actor, posts) -> set[int]:
    """Which of these posts the viewer has liked: one query for a whole page."""
    if actor.user is None:
        return set()
    ids = [p.pk for p in posts]
    return set(PostLike.objects.filter(user=actor.user, post_id__in=ids)
               .values_list("post_id", flat=True))


def liked_comment_ids(*, actor: Actor, comments) -> set[int]:
    if actor.user is None:
        return set()
    ids = [c.pk for c in comments]
    return set(CommentLike.objects.filter(user=actor.user, comment_id__in=ids)
               .values_list("comment_id", flat=True))


def get_topic(*, actor: Actor, name: str) -> Topic:
    topic = Topic.objects.filter(normalized=normalize_topic(name)).first()
    if topic is None:
        raise NotFound(_("没有这个话题"), field="topic")
    return topic


TRENDING_CACHE_S = 60
TRENDING_GENERATION = "trending-gen"


def trending_topics(*, actor: Actor, hours: int = 24, limit: int = 10) -> list[Topic]:
    """Topics of the most public posts in the last `hours` (private posts never count).
    The same for everyone, and on every home page: counted once a minute, and again at
    once when moderation or a deletion takes a post away (forget_trending)."""
    if not actor.has_scope("feed:read"):
        return []
    key = f"trending:{cache.get(TRENDING_GENERATION, 0)}:{hours}:{limit}"
    topics = cache.get(key)
    if topics is None:
        since = timezone.now() - timedelta(hours=hours)
        topics = list(
            Topic.objects.filter(post_links__created_at__gte=since,
                                 post_links__post__visibility=Visibility.PUBLIC,
                                 post_links__post__moderation=ContentState.VISIBLE)
            .annotate(recent=Count("post_links"))
            .order_by("-recent", "-pk")[:limit]
        )
        cache.set(key, topics, TRENDING_CACHE_S)
    return topics


def forget_trending() -> None:
    """Count the trending topics again (every variant of them): on the next read in this
    transaction, and after its commit."""
    _renew_trending()
    transaction.on_commit(_renew_trending, robust=True)


def _renew_trending() -> None:
    cache.set(TRENDING_GENERATION, secrets.token_hex(6), None)

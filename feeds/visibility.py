"""Who may read a post, by its visibility: written once, as a table with a row per kind.

Each row says it twice, side by side: as SQL (`q`, the alternatives a post of that kind
is seen under, which feeds.selectors.visible_q ORs together) and in Python (`admits`,
for a post read from the Redis cards, feeds.selectors._HomeSources). A post is always
seen by its author; a post held or removed by moderation (Post.moderation,
ContentState) by its author only, whatever its visibility (the cards carry the state).
tests/feeds/test_visibility.py draws random posts, follows, memberships, verifications
and moderation states and holds the two paths to the same pages.

A `Reader` carries what the rules ask about whoever reads: whom they follow and which
groups they belong to, as subqueries for SQL or as sets read from the cards; `q` works
with either, `admits` wants sets.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from functools import reduce
from operator import or_
from typing import Any

from django.db.models import Q

from feeds.models import Post, Visibility
from yiban_core.groups.models import Group
from yiban_core.groups.rules import school_app_reads, school_app_reads_q
from yiban_core.moderation.models import ContentState


@dataclass(frozen=True)
class Reader:
    user_id: int | None = None
    # The school whose school-only posts they read: a user's verified school (choosing
    # a school when registering opens nothing), or the school a school app acts for.
    school_id: int | None = None
    is_school_app: bool = False
    followee_ids: Collection[int] | Any = ()  # a set, or a subquery of ids (SQL only)
    member_group_ids: Collection[int] | Any = ()


@dataclass(frozen=True)
class Kind:
    q: Callable[[Reader], list[Q]]
    admits: Callable[[Reader, Post, Group | None], bool]


def _school_q(reader: Reader) -> list[Q]:
    return [Q(school_id=reader.school_id)] if reader.school_id is not None else []


def _followers_q(reader: Reader) -> list[Q]:
    return [Q(author_id__in=reader.followee_ids)] if reader.user_id is not None else []


def _group_q(reader: Reader) -> list[Q]:
    alternatives = [Q(group__is_private=False)]
    if reader.user_id is not None:
        alternatives.append(Q(group_id__in=reader.member_group_ids))
    elif reader.is_school_app:
        alternatives.append(school_app_reads_q(reader.school_id, "group__"))
    return alternatives


def _group_admits(reader: Reader, post: Post, group: Group | None) -> bool:
    if group is None:
        return False
    if not group.is_private:
        return True
    if reader.user_id is not None:
        return group.pk in reader.member_group_ids
    return reader.is_school_app and school_app_reads(reader.school_id, group)


KINDS: dict[str, Kind] = {
    Visibility.PUBLIC: Kind(q=lambda reader: [Q()], admits=lambda reader, post, group: True),
    Visibility.SCHOOL: Kind(
        q=_school_q,
        admits=lambda reader, post, group: (reader.school_id is not None
                                            and post.school_id == reader.school_id)),
    Visibility.FOLLOWERS: Kind(
        q=_followers_q,
        admits=lambda reader, post, group: (reader.user_id is not None
                                            and post.author_id in reader.followee_ids)),
    Visibility.GROUP: Kind(q=_group_q, admits=_group_admits),
}


def q(reader: Reader) -> Q:
    """The posts the reader may see."""
    seen = [Q(visibility=visibility) & alternative
            for visibility, kind in KINDS.items() for alternative in kind.q(reader)]
    shown = Q(moderation=ContentState.VISIBLE) & reduce(or_, seen)
    return Q(author_id=reader.user_id) | shown if reader.user_id is not None else shown


def admits(reader: Reader, post: Post, group: Group | None) -> bool:
    """The same rule for one post in hand; `group`: the post's group, if it has one."""
    if reader.user_id is not None and post.author_id == reader.user_id:
        return True
    if post.moderation != ContentState.VISIBLE:
        return False
    kind = KINDS.get(post.visibility)
    return kind is not None and kind.admits(reader, post, group)

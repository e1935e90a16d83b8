"""Every read of polls and of announcement read receipts.

A poll is seen by whoever sees its post: these take posts the caller already read
through feeds.selectors (a page of a timeline, a post's page), or look the post up
there (`poll_voters`, `read_receipts`). What a reader sees of a poll:

- the options, whether they voted and what they chose, always;
- the counts, unless its author chose to hide them until the deadline (the author
  sees them);
- who voted what, in a named poll only, to whoever sees the counts. An anonymous
  poll's voters are read by nothing here: no page, field or file shows them.

A page of posts costs two queries whatever its size (polls with their options; the
voters of the named polls shown, the viewer among them), three when it also shows a poll
whose voters the viewer does not see (the viewer's own choices in it). A poll past its
deadline not yet closed is closed when read (poll_services.close_if_due).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _

from feeds import poll_services, rules, selectors
from feeds.models import AnnouncementRead, Poll, PollOption, PollVote, Post
from yiban_core.accounts.models import User
from yiban_core.actor import Actor
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.groups import selectors as group_selectors
from yiban_core.groups.models import Membership
from yiban_core.groups.rules import role_in


class Voter(NamedTuple):
    """A voter as a card names them (`voter_names_only`)."""

    username: str
    display_name: str


@dataclass
class OptionView:
    option: PollOption
    count: int | None  # None: hidden until the poll closes
    percent: int | None
    chosen: bool
    voters: list[User] | list[Voter] | None  # None: not shown (anonymous, or counts hidden)

    @property
    def pk(self) -> int:
        return self.option.pk

    @property
    def text(self) -> str:
        return self.option.text


@dataclass
class PollView:
    """A poll as one reader sees it."""

    poll: Poll
    post: Post
    options: list[OptionView]
    is_open: bool
    viewer_voted: bool
    may_vote: bool
    sees_results: bool
    sees_voters: bool

    @property
    def pk(self) -> int:
        return self.poll.pk

    @property
    def voter_count(self) -> int:
        return self.poll.voter_count

    @property
    def anonymous(self) -> bool:
        return self.poll.anonymous

    @property
    def multiple(self) -> bool:
        return self.poll.multiple

    @property
    def results_hidden(self) -> bool:
        return self.poll.results_hidden

    @property
    def closes_at(self):
        return self.poll.closes_at


def polls_of(*, actor: Actor, posts: list[Post], roles: dict[int, str | None] | None = None,
             voter_names_only: bool = False) -> dict[int, PollView]:
    """{post id: its poll as the actor sees it} for posts the actor may see. `roles`: the
    actor's role by group id, when the caller knows them (else read here, one query).
    `voter_names_only`: the voters are `Voter`s, their names and nothing else, as a card
    shows them (a named poll of a large class has hundreds)."""
    ids = {post.pk: post for post in posts}
    if not ids or not actor.has_scope("feed:read"):
        return {}
    polls, options_of = _polls_with_options(ids)
    if not polls:
        return {}
    now = timezone.now()
    for poll in polls:
        if poll.closed_at is None and now >= poll.closes_at:
            poll_services.close_if_due(poll)
    if roles is None:
        roles = group_selectors.roles_in(
            actor=actor, group_ids={ids[poll.post_id].group_id for poll in polls})
    shown = {}
    for poll in polls:
        post = ids[poll.post_id]
        shown[poll.pk] = (post, rules.sees_poll_results(actor, post, poll, now),
                          rules.sees_poll_voters(actor, post, poll, now))
    named = [poll.pk for poll in polls if shown[poll.pk][2]]
    voters, chosen = _voters(actor, named, voter_names_only)
    if actor.user is not None and len(named) < len(polls):
        # The viewer's choices in the polls whose voters are not read above.
        chosen |= set(PollVote.objects.filter(
            ballot__user=actor.user,
            ballot__poll__in=[poll.pk for poll in polls if poll.pk not in named],
        ).values_list("option_id", flat=True))
    found = {}
    for poll in polls:
        post, sees_results, sees_voters = shown[poll.pk]
        options = options_of[poll.pk]
        total = sum(option.vote_count for option in options)
        voted = any(option.pk in chosen for option in options)
        role = roles.get(post.group_id) if post.group_id is not None else None
        found[post.pk] = PollView(
            poll=poll, post=post, is_open=rules.poll_is_open(poll, now), viewer_voted=voted,
            may_vote=not voted and rules.may_vote(actor, post, poll, role, now),
            sees_results=sees_results, sees_voters=sees_voters,
            options=[OptionView(
                option=option,
                count=option.vote_count if sees_results else None,
                percent=(round(100 * option.vote_count / total) if total else 0)
                if sees_results else None,
                chosen=option.pk in chosen,
                voters=voters.get(option.pk, []) if sees_voters else None,
            ) for option in options])
    return found


def _polls_with_options(ids) -> tuple[list[Poll], dict[int, list[PollOption]]]:
    """The polls of the posts `ids` and their options in order: one query."""
    polls, options_of = {}, {}
    for option in (PollOption.objects.filter(poll__post_id__in=ids).select_related("poll")
                   .order_by("poll_id", "position")):
        option.poll = polls.setdefault(option.poll_id, option.poll)
        options_of.setdefault(option.poll_id, []).append(option)
    return list(polls.values()), options_of


def _voters(actor: Actor, poll_ids: list[int], names_only: bool
            ) -> tuple[dict[int, list], set[int]]:
    """({option id: who chose it, in ballot order}, the options the viewer chose) in the
    named polls `poll_ids`: one query, none without such polls."""
    voters: dict[int, list] = {}
    chosen: set[int] = set()
    if not poll_ids:
        return voters, chosen
    votes = PollVote.objects.filter(option__poll_id__in=poll_ids).order_by("ballot_id")
    me = actor.user.pk if actor.user is not None else None
    if names_only:
        for option_id, user_id, username, display_name in votes.values_list(
                "option_id", "ballot__user_id", "ballot__user__username",
                "ballot__user__display_name"):
            voters.setdefault(option_id, []).append(Voter(username, display_name))
            if user_id == me:
                chosen.add(option_id)
        return voters, chosen
    for vote in votes.select_related("ballot__user"):
        voters.setdefault(vote.option_id, []).append(vote.ballot.user)
        if vote.ballot.user_id == me:
            chosen.add(vote.option_id)
    return voters, chosen


def poll_of(*, actor: Actor, post: Post) -> PollView | None:
    return polls_of(actor=actor, posts=[post]).get(post.pk)


def poll_voters(*, actor: Actor, post_id) -> tuple[Post, PollView]:
    """A poll with who voted what, for its results file: its readers, while they see the
    voters (a named poll; an anonymous poll's file has the counts only)."""
    post = selectors.get_post(actor=actor, pk=post_id)
    view = poll_of(actor=actor, post=post)
    if view is None:
        raise Invalid(_("这条动态没有投票"), field="post")
    if not view.sees_results:
        raise PermissionDenied(_("投票结果在截止后公布"), field="post")
    return post, view


# --- announcement read receipts -------------------------------------------------------------


@dataclass
class Receipts:
    post: Post
    read: list[tuple[User, object]] = field(default_factory=list)  # (member, read at)
    unread: list[User] = field(default_factory=list)
    last_reminded_at: object = None

    @property
    def read_count(self) -> int:
        return len(self.read)

    @property
    def unread_count(self) -> int:
        return len(self.unread)


def read_ids(*, actor: Actor, posts: list[Post]) -> set[int]:
    """Which of these announcements the actor has read: one query."""
    ids = [post.pk for post in posts if post.is_announcement]
    if actor.user is None or not ids:
        return set()
    return set(AnnouncementRead.objects.filter(user=actor.user, post_id__in=ids)
               .values_list("post_id", flat=True))


def read_receipts(*, actor: Actor, post: Post, role: str | None = None) -> Receipts:
    """Who of the group's members has read an announcement and who has not: for its
    owner and admins only (PERMISSION_DENIED otherwise). `post` was read through
    feeds.selectors by the caller."""
    actor.require_scope("feed:read")
    if not post.is_announcement or post.group_id is None:
        raise Invalid(_("这条动态不是群公告"), field="post")
    role = role if role is not None else role_in(actor, post.group)
    if not rules.sees_read_receipts(actor, post, role):
        raise PermissionDenied(_("只有群主或管理员可以查看已读情况"), field="post")
    reads = dict(AnnouncementRead.objects.filter(post=post).values_list("user_id", "read_at"))
    receipts = Receipts(post=post)
    members = (Membership.objects.filter(group_id=post.group_id)
               .select_related("user").order_by("user__username"))
    for member in members:
        if member.user_id == post.author_id:
            continue  # its author wrote it
        if member.user_id in reads:
            receipts.read.append((member.user, reads[member.user_id]))
        else:
            receipts.unread.append(member.user)
    receipts.read.sort(key=lambda pair: pair[1], reverse=True)
    last = post.reminders.order_by("-sent_at").first()
    receipts.last_reminded_at = last.sent_at if last is not None else None
    return receipts

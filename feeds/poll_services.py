"""Every write of polls (投票) and of announcement read receipts (已读回执).

A poll is written with its post (feeds.services.publish_post, `poll=`), so a post and
its poll commit or roll back together; what it says is screened like the post's text.
A vote is one ballot row per voter and poll (unique in the database) and one row per
option chosen: a second vote, or two at once from two tabs, ends in the constraint and
is refused with CONFLICT, the counts moved once. A poll closes at its deadline; the
first to notice (the periodic task `close_due_polls`, a read or a late vote) sets
`closed_at` in a conditional UPDATE and sends PollClosed (webhook `poll.closed`), so the
event is sent once however many notice together.

Read receipts: a member who opens a group announcement's page, or says 我已读, is
recorded once. The group's owner and admins see who has and has not read it and may
remind those who have not, once an hour per announcement (the reminders are rows, so
the limit holds across processes and restarts).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from feeds import rules, selectors
from feeds.models import (
    POLL_MAX_OPTIONS,
    POLL_MIN_OPTIONS,
    POLL_OPTION_MAX_LENGTH,
    AnnouncementRead,
    AnnouncementReminder,
    Poll,
    PollBallot,
    PollOption,
    PollVote,
    Post,
)
from yiban_core import events
from yiban_core.accounts.rules import require_not_blocked
from yiban_core.actor import Actor
from yiban_core.errors import Conflict, Invalid, NotFound, PermissionDenied, RateLimited
from yiban_core.groups.models import Membership
from yiban_core.groups.rules import role_in
from yiban_core.ids import parse_id
from yiban_core.moderation.services import screen
from yiban_core.notifications.models import Notification
from yiban_core.notifications.services import notify

POLL_MIN_DURATION = timedelta(minutes=5)
POLL_MAX_DURATION = timedelta(days=90)
REMIND_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class PollSpec:
    """A poll as the composer or the API asks for it (checked by clean_poll)."""

    options: list[str] = field(default_factory=list)
    closes_at: datetime | None = None
    multiple: bool = False
    anonymous: bool = False
    results_hidden: bool = False


def clean_poll(spec: PollSpec, *, school) -> PollSpec:
    """The spec with its options trimmed and screened; INVALID on the field at fault."""
    options = []
    for text in spec.options or []:
        text = " ".join(str(text or "").split())
        if not text:
            raise Invalid(_("投票选项不能为空"), field="poll")
        if len(text) > POLL_OPTION_MAX_LENGTH:
            raise Invalid(_("每个选项最多 %(n)d 个字") % {"n": POLL_OPTION_MAX_LENGTH},
                          field="poll")
        options.append(screen("text", text, school=school).text)
    if not POLL_MIN_OPTIONS <= len(options) <= POLL_MAX_OPTIONS:
        raise Invalid(_("投票要有 %(min)d 到 %(max)d 个选项")
                      % {"min": POLL_MIN_OPTIONS, "max": POLL_MAX_OPTIONS}, field="poll")
    if len(set(options)) != len(options):
        raise Invalid(_("投票选项不能重复"), field="poll")
    now = timezone.now()
    if spec.closes_at is None:
        raise Invalid(_("请设置投票截止时间"), field="closes_at")
    if spec.closes_at < now + POLL_MIN_DURATION:
        raise Invalid(_("截止时间至少要在 5 分钟之后"), field="closes_at")
    if spec.closes_at > now + POLL_MAX_DURATION:
        raise Invalid(_("截止时间不能超过 90 天"), field="closes_at")
    return PollSpec(options=options, closes_at=spec.closes_at, multiple=bool(spec.multiple),
                    anonymous=bool(spec.anonymous), results_hidden=bool(spec.results_hidden))


def create_poll(post: Post, spec: PollSpec) -> Poll:
    """In the post's transaction, with a spec clean_poll returned."""
    poll = Poll.objects.create(post=post, multiple=spec.multiple, anonymous=spec.anonymous,
                               results_hidden=spec.results_hidden, closes_at=spec.closes_at)
    PollOption.objects.bulk_create(PollOption(poll=poll, position=i, text=text)
                                   for i, text in enumerate(spec.options))
    return poll


def _poll_of(post: Post) -> Poll:
    poll = Poll.objects.filter(post=post).first()
    if poll is None:
        raise NotFound(_("这条动态没有投票"), field="poll")
    return poll


def _option_ids(values) -> list[int]:
    ids = []
    for value in list(values or [])[:POLL_MAX_OPTIONS + 1]:
        pk = parse_id(value)
        if pk is None:
            raise Invalid(_("投票选项不正确"), field="options")
        if pk not in ids:
            ids.append(pk)
    return ids


def vote(*, actor: Actor, post_id, option_ids) -> Poll:
    """Vote in the poll of a post the actor may see: once, while it is open; a group's
    poll, as a member of the group."""
    actor.require_scope("feed:write")
    user = actor.require_user()
    post = selectors.get_post(actor=actor, pk=post_id)  # NOT_FOUND when not visible
    poll = _poll_of(post)
    now = timezone.now()
    if not rules.poll_is_open(poll, now):
        close_if_due(poll)
        raise Conflict(_("投票已截止"), field="poll")
    role = role_in(actor, post.group)
    if not rules.may_vote(actor, post, poll, role, now):
        raise PermissionDenied(_("只有群成员可以参与群里的投票"), field="poll")
    require_not_blocked(user, post.author, doing=_("投票"), field="poll")
    ids = _option_ids(option_ids)
    if not ids:
        raise Invalid(_("请至少选择一个选项"), field="options")
    if not poll.multiple and len(ids) > 1:
        raise Invalid(_("这是单选投票，只能选一项"), field="options")
    found = set(PollOption.objects.filter(poll=poll, pk__in=ids).values_list("pk", flat=True))
    if found != set(ids):
        raise Invalid(_("所选选项不属于这个投票"), field="options")
    try:
        with transaction.atomic():
            ballot = PollBallot.objects.create(poll=poll, user=user)
            PollVote.objects.bulk_create(PollVote(ballot=ballot, option_id=pk) for pk in ids)
            PollOption.objects.filter(pk__in=ids).update(vote_count=F("vote_count") + 1)
            Poll.objects.filter(pk=poll.pk).update(voter_count=F("voter_count") + 1)
    except IntegrityError:
        raise Conflict(_("你已经投过票了"), field="poll") from None
    poll.refresh_from_db()
    return poll


def close_if_due(poll: Poll) -> bool:
    """Close a poll past its deadline: the first caller sets closed_at and sends
    PollClosed; the others (at once, or later) change nothing."""
    now = timezone.now()
    if poll.closed_at is not None or now < poll.closes_at:
        return False
    with transaction.atomic():
        closed = Poll.objects.filter(pk=poll.pk, closed_at__isnull=True,
                                     closes_at__lte=now).update(closed_at=now)
        if closed:
            post = Post.objects.filter(pk=poll.post_id).values("group_id", "school_id").first()
            events.send(events.PollClosed(poll_id=poll.pk, post_id=poll.post_id,
                                          group_id=post["group_id"], school_id=post["school_id"]))
    if closed:
        poll.closed_at = now
    return bool(closed)


def close_due_polls(limit: int = 500) -> int:
    """The polls past their deadline not closed yet (the periodic task): how many closed."""
    due = Poll.objects.filter(closed_at__isnull=True, closes_at__lte=timezone.now())
    return sum(close_if_due(poll) for poll in due.order_by("closes_at")[:limit])


# --- announcement read receipts -------------------------------------------------------------


def _announcement(actor: Actor, post_id) -> tuple[Post, str | None]:
    post = selectors.get_post(actor=actor, pk=post_id)
    if not post.is_announcement or post.group_id is None:
        raise Invalid(_("这条动态不是群公告"), field="post")
    return post, role_in(actor, post.group)


def mark_announcement_read(*, actor: Actor, post_id) -> bool:
    """Record that a member read a group announcement: True the first time."""
    actor.require_scope("feed:read")
    user = actor.require_user()
    post, role = _announcement(actor, post_id)
    if role is None:
        raise PermissionDenied(_("只有群成员需要阅读群公告"), field="post")
    if AnnouncementRead.objects.filter(post=post, user=user).exists():
        return False
    try:
        with transaction.atomic():
            AnnouncementRead.objects.create(post=post, user=user)
    except IntegrityError:  # the same person's other tab, at the same moment
        return False
    return True


def remind_unread(*, actor: Actor, post_id) -> int:
    """Notify the members who have not read an announcement (its owner and admins; once an
    hour per announcement): how many were reminded."""
    actor.require_scope("feed:write")
    user = actor.require_user()
    post, role = _announcement(actor, post_id)
    if not rules.may_remind_unread(actor, post, role):
        raise PermissionDenied(_("只有群主或管理员可以提醒未读的成员"), field="post")
    with transaction.atomic():
        Post.objects.select_for_update().filter(pk=post.pk).first()  # one reminder at a time
        last = post.reminders.order_by("-sent_at").first()
        now = timezone.now()
        if last is not None and now - last.sent_at < REMIND_EVERY:
            wait = int((last.sent_at + REMIND_EVERY - now).total_seconds()) + 1
            raise RateLimited(_("每条公告每小时只能提醒一次，请 %(m)d 分钟后再试")
                              % {"m": max(1, (wait + 59) // 60)}, field="post", retry_after=wait)
        unread = list(Membership.objects.filter(group_id=post.group_id)
                      .exclude(user_id__in=AnnouncementRead.objects.filter(post=post)
                               .values("user_id"))
                      .exclude(user_id=user.pk).values_list("user_id", flat=True))
        reminder = AnnouncementReminder.objects.create(post=post, sent_by=user,
                                                       recipient_count=len(unread))
        notify(recipient_ids=unread, kind=Notification.Kind.ANNOUNCEMENT_REMINDER,
               actor_id=user.pk, group_id=post.group_id,
               event_key=f"announcement-reminder:{post.pk}:{reminder.pk}", target=post)
    return len(unread)

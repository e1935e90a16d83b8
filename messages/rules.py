"""Who may message whom: the one place these rules are written (services refuse with
them, pages show only the buttons that would work).

- Nobody messages across a block, whichever of the two made it, nor while muted by
  moderation (yiban_core.moderation.rules.is_muted), nor an inactive account.
- Directly (a conversation at once): mutual followers, members of a shared group, and a
  teacher (or a group's owner or admin) to the members of a class group they run.
- Anyone else: the first message is a message request (消息请求), which the other
  accepts or declines; until then no second one is sent.
- A person in minors mode (yiban_core.accounts.rules.is_minor) gets no message requests:
  see `minor_hears_from` for who may write to them; anyone else is refused at once, with
  an error that names the setting, not the age.
- A group's chat: its members (a person who left the group left its chat), not in an
  archived group.
- Reading any of it: its participants, through their web session or a token of their own
  with `messages:read` (`messages:write` to send); a school app never.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from messages.models import RECALL_WINDOW, Conversation, Message
from yiban_core.accounts.models import Follow, User
from yiban_core.accounts.rules import is_blocked, is_minor, require_not_blocked
from yiban_core.actor import Actor
from yiban_core.errors import NotAuthenticated, PermissionDenied
from yiban_core.groups.models import Group, Membership
from yiban_core.moderation.rules import is_muted

READ_SCOPE = "messages:read"
WRITE_SCOPE = "messages:write"

DIRECT, REQUEST = "direct", "request"


def reader(actor: Actor, scope: str = READ_SCOPE) -> User:
    """The person reading or writing their messages: never a school app (it has no user)
    nor a token without the scope."""
    if actor.user is None:
        raise NotAuthenticated(_("请先登录"))
    actor.require_scope(scope)
    return actor.require_user()


def mutual_follows(a: User, b: User) -> bool:
    return Follow.objects.filter(Q(follower=a, followee=b) | Q(follower=b, followee=a)).count() == 2


def share_a_group(a: User, b: User) -> bool:
    mine = Membership.objects.filter(user=a).values("group_id")
    return Membership.objects.filter(user=b, group_id__in=mine).exists()


def teaches(teacher: User, student: User) -> bool:
    """A teacher, or an owner or admin of a class group, to a member of that class."""
    runs = Membership.objects.filter(user=teacher, group__kind=Group.Kind.CLASS)
    if teacher.role != User.Role.TEACHER:
        runs = runs.filter(role__in=Membership.MANAGER_ROLES)
    return Membership.objects.filter(user=student, group_id__in=runs.values("group_id")).exists()


def contact_route(sender: User, recipient: User) -> str:
    """DIRECT or REQUEST; PermissionDenied when no message may pass at all."""
    if recipient.pk == sender.pk:
        raise PermissionDenied(_("不能给自己发私信"), field="recipient")
    if not recipient.is_active:
        raise PermissionDenied(_("该账号已停用"), field="recipient")
    require_unblocked(sender, recipient)
    if is_minor(recipient) and not minor_hears_from(recipient, sender):
        raise PermissionDenied(_("对方只接收自己关注的人、同班同学和老师的私信"),
                               field="recipient")
    if mutual_follows(sender, recipient) or share_a_group(sender, recipient) or teaches(
            sender, recipient):
        return DIRECT
    return REQUEST


def minor_hears_from(minor: User, sender: User) -> bool:
    """Who may write directly to a person in minors mode (未成年人模式):

    - people the minor follows (the minor chose them; a follow the other way is not enough);
    - classmates: members of a class group (班级群) the minor is in; an interest group
      or a school-wide group is not enough, since anyone may join those;
    - the minor's teachers: `teaches` (a teacher, or an owner or admin, of their class);
    - someone the minor wrote to first in their direct conversation (an answer to the
      minor's own message, or to a request the minor took up).
    Group chats of groups the minor is in are not direct messages and are not affected."""
    if Follow.objects.filter(follower=minor, followee=sender).exists():
        return True
    classes = Membership.objects.filter(user=minor, group__kind=Group.Kind.CLASS)
    if Membership.objects.filter(user=sender,
                                 group_id__in=classes.values("group_id")).exists():
        return True
    if teaches(sender, minor):
        return True
    low, high = sorted((minor.pk, sender.pk))
    return Message.objects.filter(conversation__kind=Conversation.Kind.DIRECT,
                                  conversation__user_low_id=low, conversation__user_high_id=high,
                                  sender=minor).exists()


def require_unblocked(sender: User, other: User) -> None:
    """PermissionDenied, saying who blocked whom, when a block stands between them."""
    require_not_blocked(sender, other, doing=_("发消息"), field="recipient")


def require_may_speak(user: User) -> None:
    if is_muted(user):
        raise PermissionDenied(_("你已被禁言，禁言期间不能发送消息"))


def may_message(actor: Actor, recipient: User) -> bool:
    """Whether the page shows 发私信 on a person's profile."""
    user = actor.user
    if user is None or not actor.has_scope(WRITE_SCOPE) or recipient.pk == user.pk:
        return False
    if not recipient.is_active or is_blocked(user, recipient):
        return False
    return not is_minor(recipient) or minor_hears_from(recipient, user)


def may_recall(user: User, message, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (message.sender_id == user.pk and message.recalled_at is None
            and now - message.created_at <= RECALL_WINDOW)

"""What a notification's row says: "张三、李四等 5 人赞了你的动态「期末复习…」".

One place for the words, used by the page and by GraphQL's `summary`. The
quoted excerpts come from `describe_groups` (read when shown, through the
owning app's selectors); what is gone or hidden is said, never quoted.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from yiban_core.notifications.models import Notification
from yiban_core.notifications.targets import DELETED, Excerpts

Kind = Notification.Kind

# kind -> which excerpts it quotes, in order: ("target" | "detail", joined by a colon?)
_QUOTES: dict[str, tuple[tuple[str, bool], ...]] = {
    Kind.COMMENTED: (("target", False), ("detail", True)),
    Kind.REPLIED: (("detail", True),),
    Kind.LIKED_POST: (("target", False),),
    Kind.LIKED_COMMENT: (("detail", False),),
    Kind.REPOSTED: (("target", False), ("detail", True)),
    Kind.ANNOUNCEMENT: (("target", True),),
    Kind.ANNOUNCEMENT_REMINDER: (("target", True),),
    Kind.RESOURCE_RATED: (("target", False), ("detail", True)),
}
# Moderation outcomes quote the content judged; the author's also say why (the reason is
# stored in `excerpt` as the moderator wrote it: the case may be decided again later).
MODERATION_KINDS = (Kind.CONTENT_APPROVED, Kind.CONTENT_REMOVED, Kind.WARNED, Kind.MUTED,
                    Kind.SUSPENDED, Kind.BANNED_FROM_GROUP, Kind.APPEAL_UPHELD,
                    Kind.APPEAL_GRANTED, Kind.REPORT_HANDLED, Kind.REPORT_NO_VIOLATION)
REPORTER_KINDS = (Kind.REPORT_HANDLED, Kind.REPORT_NO_VIOLATION)
_QUOTES.update({kind: (("target", False),) for kind in MODERATION_KINDS})


def _gone(part: str, state: str, kind: str) -> str:
    if kind in MODERATION_KINDS:
        return _("（该内容不可见）")
    if kind == Kind.RESOURCE_RATED:
        if part == "detail":
            return _("（该评价已删除）")
        return _("（该资源已删除）") if state == DELETED else _("（该资源不可见）")
    if part == "detail" and kind == Kind.REPOSTED:
        return _("（该转发已删除）") if state == DELETED else _("（该转发不可见）")
    if part == "detail":
        return _("（该评论已删除）") if state == DELETED else _("（该评论不可见）")
    return _("（该动态已删除）") if state == DELETED else _("（该动态不可见）")


def _parts(notification: Notification) -> tuple[tuple[str, bool], ...]:
    if notification.kind == Kind.MENTIONED:  # in a comment, or in the post itself
        return (("detail" if notification.detail_id else "target", True),)
    return _QUOTES.get(notification.kind, ())


def quotes(notification: Notification) -> list[str]:
    """The quoted parts of the row, each with its own lead ("：" or nothing)."""
    if notification.kind in (Kind.WEBHOOK_DISABLED, Kind.VERIFICATION_REJECTED) \
            and notification.excerpt:
        return [_("：「%(text)s」") % {"text": notification.excerpt}]
    excerpts: Excerpts | None = getattr(notification, "excerpts", None)
    if excerpts is None:
        return []
    said = []
    for part, colon in _parts(notification):
        text = getattr(excerpts, part)
        state = getattr(excerpts, f"{part}_state")
        if text is None and not state:
            continue  # nothing to quote (a repost without words of its own)
        if text is None:
            said.append(_gone(part, state, notification.kind))
        elif colon:
            said.append(_("：「%(text)s」") % {"text": text})
        else:
            said.append(_("「%(text)s」") % {"text": text})
    if notification.kind in MODERATION_KINDS and notification.excerpt:
        said.append(_("，理由：%(reason)s") % {"reason": notification.excerpt})
    return said


def others(notification: Notification) -> str:
    """"等 5 人" after the names shown, when more people did it than are named."""
    actors = getattr(notification, "actors", None)
    count = getattr(notification, "actor_count", 0)
    if actors is None or count <= len(actors):
        return ""
    return _("等 %(count)d 人") % {"count": count}


def names(notification: Notification) -> list[str]:
    actors = getattr(notification, "actors", None)
    if actors is None:
        actors = [notification.actor] if notification.actor_id else []
    return [str(person) for person in actors]


def summary(notification: Notification) -> str:
    """The whole row as plain text (GraphQL), in the request's language."""
    who = _("、").join(names(notification)) + others(notification)
    verb = notification.get_kind_display()
    group = f" {notification.group.name}" if notification.group_id and notification.group else ""
    text = f"{who} {verb}" if who else str(verb)
    return text + group + "".join(quotes(notification))

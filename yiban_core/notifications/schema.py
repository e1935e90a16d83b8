"""GraphQL types, queries and mutations of the viewer's notifications.

A notification may be about an object of an app above the core (a post ...).
The core knows nothing of those apps: each registers its target model with
`register_target` (yiban_core.notifications.targets), giving its GraphQL type
name, how to tell which targets the viewer may still see and how to describe
them. `targetId` is shown only while the viewer may see the target, and the
excerpts are read when asked, through the owning app's selectors.

`notifications` lists every row; `notificationGroups` lists them as the page
shows them, one row per group ("张三、李四等 5 人赞了你的动态「…」").
"""

from __future__ import annotations

from collections.abc import Callable

import graphene
from django.utils.translation import gettext as _

from yiban_core.accounts.schema import UserNode
from yiban_core.errors import Invalid
from yiban_core.graphql.connections import (
    DEFAULT_PAGE_SIZE,
    Connection,
    connection_field,
    max_page_size,
    resolve_connection,
)
from yiban_core.graphql.enums import choices_enum
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.loaders import Loader
from yiban_core.graphql.relay import Node, global_id
from yiban_core.graphql.scopes import ScopedField
from yiban_core.groups.schema import GroupNode
from yiban_core.notifications import selectors, services, texts
from yiban_core.notifications.models import Notification
from yiban_core.notifications.targets import describe_all, target_type

NotificationKind = choices_enum("NotificationKind", Notification.Kind, "通知的类型")

_target = target_type


class VisibleTargets(Loader[Notification, bool]):
    """Whether the viewer may still see each notification's target: one query per target
    type for a page (only notifications with a registered target are loaded)."""

    default = False

    def key(self, notification: Notification) -> tuple[int, int]:
        return (notification.target_type_id, notification.target_id)

    def batch_load(self, notifications: list[Notification]) -> dict[tuple[int, int], bool]:
        wanted: dict[int, tuple[Callable, list[int]]] = {}
        for notification in notifications:
            visible_ids = _target(notification).visible_ids
            wanted.setdefault(notification.target_type_id, (visible_ids, []))[1].append(
                notification.target_id)
        found = {}
        for type_id, (visible_ids, pks) in wanted.items():
            found.update(dict.fromkeys(((type_id, pk) for pk in visible_ids(self.actor, pks)),
                                       True))
        return found


def _visible_target(info, notification: Notification) -> str | None:
    """The target's global ID, if it has a registered target the viewer may see."""
    target = _target(notification)
    if target is None:
        return None
    visible = VisibleTargets.of(info).load(notification)
    return global_id(target.type_name, notification.target_id) if visible else None


class NotificationExcerpts(Loader[Notification, object]):
    """What each notification quotes (yiban_core.notifications.targets), read for a
    whole page at once through the owning apps' selectors."""

    def batch_load(self, notifications: list[Notification]) -> dict[int, object]:
        return describe_all(self.actor, notifications)


def _with_excerpts(info, notification: Notification) -> Notification:
    if not hasattr(notification, "excerpts"):
        notification.excerpts = NotificationExcerpts.of(info).load(notification)
    return notification


class NotificationNode(graphene.ObjectType):
    """Something that happened to the viewer: a new follower, an invitation, a decision..."""

    class Meta:
        name = "Notification"
        interfaces = (Node,)
        possible_types = (Notification,)

    kind = graphene.Field(NotificationKind, required=True)
    actor = graphene.Field(UserNode, description="谁做的；系统通知为 null")
    group = graphene.Field(GroupNode, description="相关的群")
    target_id = graphene.ID(
        description="关于哪个对象（如一条动态）的全局 ID；它已删除或你已看不到时为 null"
    )
    excerpt = graphene.String(
        required=True,
        description="发生了什么的摘录（评论、转发语或动态的前约 30 字，原文，不是 HTML），"
        "显示时读取；已删除或你看不到时为空",
    )
    target_excerpt = graphene.String(
        required=True,
        description="所关于的对象（如你的动态）的前约 30 字；已删除或你看不到时为空",
    )
    summary = graphene.String(
        required=True,
        description="这条通知的一句话，如「张三 评论了你的动态「…」：「…」」（请求的语言）",
    )
    is_read = graphene.Boolean(required=True)
    read_at = graphene.DateTime()
    created_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> Notification | None:
        return selectors.notifications_for(actor=info.context.actor).filter(pk=pk).first()

    @staticmethod
    def resolve_target_id(notification: Notification, info) -> str | None:
        return _visible_target(info, notification)

    @staticmethod
    def resolve_excerpt(notification: Notification, info) -> str:
        if _target(notification) is None:
            return notification.excerpt  # nothing describes it (a webhook subscription)
        excerpts = _with_excerpts(info, notification).excerpts
        if excerpts is None:
            return ""
        # The comment or repost when there is one (even gone: then nothing), else the target.
        said = excerpts.detail if notification.detail_id else excerpts.target
        return said or ""

    @staticmethod
    def resolve_target_excerpt(notification: Notification, info) -> str:
        excerpts = _with_excerpts(info, notification).excerpts if _target(notification) else None
        return (excerpts.target or "") if excerpts else ""

    @staticmethod
    def resolve_summary(notification: Notification, info) -> str:
        return texts.summary(_with_excerpts(info, notification))

    @staticmethod
    def resolve_is_read(notification: Notification, info) -> bool:
        return notification.read_at is not None


class NotificationConnection(Connection):
    class Meta:
        node = NotificationNode


class NotificationGroupNode(graphene.ObjectType):
    """Notifications of one kind about one thing, shown as one row: "张三、李四等 5 人赞了你的
    动态「…」". Its place in the list is that of its newest notification."""

    class Meta:
        name = "NotificationGroup"

    latest = graphene.Field(NotificationNode, required=True, description="组里最新的一条")
    kind = graphene.Field(NotificationKind, required=True)
    count = graphene.Int(required=True, description="组里的通知条数")
    actor_count = graphene.Int(required=True, description="做这件事的人数")
    actors = graphene.List(
        graphene.NonNull(UserNode), required=True,
        description=f"最近的几个人（至多 {selectors.SAMPLE_ACTORS} 个），最新的在前",
    )
    excerpt = graphene.String(required=True, description="同 Notification.excerpt（最新一条的）")
    target_excerpt = graphene.String(required=True, description="同 Notification.targetExcerpt")
    summary = graphene.String(
        required=True, description="这一行的一句话，如「张三、李四等 5 人赞了你的动态「…」」",
    )
    is_read = graphene.Boolean(required=True, description="组里每条都已读")
    created_at = graphene.DateTime(required=True, description="最新一条的时间")

    @staticmethod
    def resolve_latest(notification, info):
        return notification

    @staticmethod
    def resolve_count(notification, info) -> int:
        return notification.group_count

    @staticmethod
    def resolve_excerpt(notification, info) -> str:
        return NotificationNode.resolve_excerpt(notification, info)

    @staticmethod
    def resolve_target_excerpt(notification, info) -> str:
        return NotificationNode.resolve_target_excerpt(notification, info)

    @staticmethod
    def resolve_summary(notification, info) -> str:
        return texts.summary(notification)

    @staticmethod
    def resolve_is_read(notification, info) -> bool:
        return not notification.group_unread


class NotificationGroupConnection(Connection):
    class Meta:
        node = NotificationGroupNode


class Query(graphene.ObjectType):
    notifications = connection_field(NotificationConnection, "我的通知，最新的在前",
                                     scope="notifications:read")
    notification_groups = connection_field(
        NotificationGroupConnection,
        "我的通知，同一件事合为一行（如同一条动态的赞），按各组最新一条排序，最新的在前",
        scope="notifications:read",
    )
    unread_notification_count = ScopedField(
        graphene.Int, required=True, description="未读通知数；未登录为 0",
        scope="notifications:read",
    )

    @staticmethod
    def resolve_notifications(root, info, first=None, after=None):
        qs = selectors.notifications_for(actor=info.context.actor)
        result = resolve_connection(NotificationConnection, qs, first=first, after=after)
        nodes = [edge.node for edge in result.edges]
        VisibleTargets.of(info).queue(n for n in nodes if _target(n) is not None)
        NotificationExcerpts.of(info).queue(n for n in nodes if _target(n) is not None)
        return result

    @staticmethod
    def resolve_notification_groups(root, info, first=None, after=None):
        actor = info.context.actor
        if first is not None and not 1 <= first <= max_page_size():
            raise Invalid(_("first 须在 1 到 %(max)d 之间") % {"max": max_page_size()},
                          field="first")
        page = selectors.notification_groups(actor=actor, first=first or DEFAULT_PAGE_SIZE,
                                             after=after)
        selectors.describe_groups(actor=actor, notifications=page.items)
        VisibleTargets.of(info).queue(n for n in page.items if _target(n) is not None)
        return NotificationGroupConnection(
            edges=[NotificationGroupConnection.Edge(node=n, cursor=n.cursor) for n in page.items],
            page_info=graphene.relay.PageInfo(
                has_next_page=page.has_next, has_previous_page=False,
                start_cursor=page.start_cursor, end_cursor=page.end_cursor,
            ),
        )

    @staticmethod
    def resolve_unread_notification_count(root, info) -> int:
        return selectors.unread_count(actor=info.context.actor)


class MarkNotificationsRead(DomainMutation):
    """Mark all the viewer's notifications read."""

    scope = "notifications:read"

    marked_count = graphene.Int(description="这次标为已读的条数")
    unread_notification_count = graphene.Int()

    @classmethod
    def perform(cls, info, actor):
        marked = services.mark_all_read(actor=actor)
        return {"marked_count": marked,
                "unread_notification_count": selectors.unread_count(actor=actor)}


class Mutation(graphene.ObjectType):
    mark_notifications_read = MarkNotificationsRead.Field()


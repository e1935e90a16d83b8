"""GraphQL types, queries and mutations of the viewer's notifications.

A notification may be about an object of an app above the core (a post ...).
The core knows nothing of those apps: each registers its target model with
`register_target`, giving its GraphQL type name and how to tell which targets
the viewer may still see. `targetId` (and the `excerpt` copied from the target)
is shown only while the viewer may see the target, read once per page.
"""

from __future__ import annotations

from collections.abc import Callable

import graphene
from django.contrib.contenttypes.models import ContentType

from yiban_core.accounts.schema import UserNode
from yiban_core.actor import Actor
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.loaders import Loader
from yiban_core.graphql.relay import Node, global_id
from yiban_core.graphql.scopes import ScopedField
from yiban_core.groups.schema import GroupNode
from yiban_core.notifications import selectors, services
from yiban_core.notifications.models import Notification

NotificationKind = choices_enum("NotificationKind", Notification.Kind, "通知的类型")

# "app_label.model" -> (GraphQL type name, (actor, pks) -> the pks the actor may see)
_TARGETS: dict[str, tuple[str, Callable[[Actor, list[int]], set[int]]]] = {}


def register_target(model, type_name: str,
                    visible_ids: Callable[[Actor, list[int]], set[int]]) -> None:
    """Let notifications about `model` show its global ID while the viewer may see it."""
    _TARGETS[model._meta.label_lower] = (type_name, visible_ids)


def _target(notification: Notification) -> tuple[str, Callable] | None:
    if notification.target_type_id is None or notification.target_id is None:
        return None
    content_type = ContentType.objects.get_for_id(notification.target_type_id)  # cached
    return _TARGETS.get(f"{content_type.app_label}.{content_type.model}")


class VisibleTargets(Loader[Notification, bool]):
    """Whether the viewer may still see each notification's target: one query per target
    type for a page (only notifications with a registered target are loaded)."""

    default = False

    def key(self, notification: Notification) -> tuple[int, int]:
        return (notification.target_type_id, notification.target_id)

    def batch_load(self, notifications: list[Notification]) -> dict[tuple[int, int], bool]:
        wanted: dict[int, tuple[Callable, list[int]]] = {}
        for notification in notifications:
            visible_ids = _target(notification)[1]
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
    return global_id(target[0], notification.target_id) if visible else None


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
        required=True, description="对象内容的摘录（原文，不是 HTML）；对象已删除或你看不到时为空"
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
        if notification.target_id is not None and _target(notification) is not None:
            return notification.excerpt if _visible_target(info, notification) else ""
        return notification.excerpt

    @staticmethod
    def resolve_is_read(notification: Notification, info) -> bool:
        return notification.read_at is not None


class NotificationConnection(Connection):
    class Meta:
        node = NotificationNode


class Query(graphene.ObjectType):
    notifications = connection_field(NotificationConnection, "我的通知，最新的在前",
                                     scope="notifications:read")
    unread_notification_count = ScopedField(
        graphene.Int, required=True, description="未读通知数；未登录为 0",
        scope="notifications:read",
    )

    @staticmethod
    def resolve_notifications(root, info, first=None, after=None):
        qs = selectors.notifications_for(actor=info.context.actor)
        result = resolve_connection(NotificationConnection, qs, first=first, after=after)
        VisibleTargets.of(info).queue(edge.node for edge in result.edges
                                      if _target(edge.node) is not None)
        return result

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


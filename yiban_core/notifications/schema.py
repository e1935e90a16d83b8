"""GraphQL types, queries and mutations of the viewer's notifications."""

from __future__ import annotations

import graphene

from yiban_core.accounts.schema import UserNode
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import Node
from yiban_core.groups.schema import GroupNode
from yiban_core.notifications import selectors, services
from yiban_core.notifications.models import Notification

NotificationKind = choices_enum("NotificationKind", Notification.Kind, "通知的类型")


class NotificationNode(graphene.ObjectType):
    """Something that happened to the viewer: a new follower, an invitation, a decision..."""

    class Meta:
        name = "Notification"
        interfaces = (Node,)
        possible_types = (Notification,)

    kind = graphene.Field(NotificationKind, required=True)
    actor = graphene.Field(UserNode, description="谁做的；系统通知为 null")
    group = graphene.Field(GroupNode, description="相关的群")
    is_read = graphene.Boolean(required=True)
    read_at = graphene.DateTime()
    created_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> Notification | None:
        return selectors.notifications_for(actor=info.context.actor).filter(pk=pk).first()

    @staticmethod
    def resolve_is_read(notification: Notification, info) -> bool:
        return notification.read_at is not None


class NotificationConnection(Connection):
    class Meta:
        node = NotificationNode


class Query(graphene.ObjectType):
    notifications = connection_field(NotificationConnection, "我的通知，最新的在前")
    unread_notification_count = graphene.Int(required=True, description="未读通知数；未登录为 0")

    @staticmethod
    def resolve_notifications(root, info, first=None, after=None):
        qs = selectors.notifications_for(actor=info.context.actor)
        return resolve_connection(NotificationConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_unread_notification_count(root, info) -> int:
        return selectors.unread_count(actor=info.context.actor)


class MarkNotificationsRead(DomainMutation):
    """Mark all the viewer's notifications read."""

    marked_count = graphene.Int(description="这次标为已读的条数")
    unread_notification_count = graphene.Int()

    @classmethod
    def perform(cls, info, actor):
        marked = services.mark_all_read(actor=actor)
        return {"marked_count": marked,
                "unread_notification_count": selectors.unread_count(actor=actor)}


class Mutation(graphene.ObjectType):
    mark_notifications_read = MarkNotificationsRead.Field()


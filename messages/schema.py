"""GraphQL of private messages and group chats: thin over messages.selectors and
messages.services. Only the person reads their messages: `messages:read` and
`messages:write` are user scopes, which no school app can be granted, and the services
refuse an actor without a user. Attachments are sent from the web page; GraphQL sends
text (and shows attachments' URLs, served to the conversation's readers only)."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from messages import rules, selectors, services
from messages.models import MESSAGE_MAX_LENGTH, Conversation, Message
from yiban_core.accounts.schema import UserNode
from yiban_core.errors import Invalid
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import Node, decode_global_id, global_id
from yiban_core.graphql.scopes import ScopedField
from yiban_core.groups.schema import GroupNode
from yiban_core.moderation.models import ContentState

ConversationKind = choices_enum("ConversationKind", Conversation.Kind, "会话的类型")
ConversationState = choices_enum("ConversationState", Conversation.State,
                                 "会话的状态：正常、等待回复的消息请求、已拒绝的消息请求")


class MessageNode(graphene.ObjectType):
    """A message of a conversation the viewer takes part in."""

    class Meta:
        name = "Message"
        interfaces = (Node,)
        possible_types = (Message,)

    conversation_id = graphene.ID(required=True, description="所在会话的全局 ID")
    sender = graphene.Field(UserNode, required=True)
    text = graphene.String(required=True, description="原文（不是 HTML）；已撤回为空")
    is_recalled = graphene.Boolean(required=True, description="已撤回（显示「消息已撤回」）")
    recalled_at = graphene.DateTime()
    is_held = graphene.Boolean(required=True,
                               description="审核中（只有发送者自己看得到这条消息）")
    attachment_url = graphene.String(description="图片或文件的地址（只对会话成员有效）")
    attachment_name = graphene.String()
    attachment_type = graphene.String(description="MIME 类型，如 image/png")
    attachment_size = graphene.Int()
    is_mine = graphene.Boolean(required=True)
    viewer_can_recall = graphene.Boolean(required=True, description="发送 2 分钟内可撤回")
    created_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> Message:
        return selectors.get_message(actor=info.context.actor, pk=pk)

    @staticmethod
    def resolve_conversation_id(message: Message, info) -> str:
        return global_id("Conversation", message.conversation_id)

    @staticmethod
    def resolve_is_recalled(message: Message, info) -> bool:
        return message.recalled_at is not None

    @staticmethod
    def resolve_is_held(message: Message, info) -> bool:
        return message.moderation != ContentState.VISIBLE

    @staticmethod
    def resolve_attachment_url(message: Message, info) -> str | None:
        if not message.attachment:
            return None
        return info.context.build_absolute_uri(message.attachment.url)

    @staticmethod
    def resolve_attachment_name(message: Message, info) -> str | None:
        return message.attachment_name or None

    @staticmethod
    def resolve_attachment_type(message: Message, info) -> str | None:
        return message.attachment_type or None

    @staticmethod
    def resolve_attachment_size(message: Message, info) -> int | None:
        return message.attachment_size or None

    @staticmethod
    def resolve_is_mine(message: Message, info) -> bool:
        return message.sender_id == info.context.actor.user_id

    @staticmethod
    def resolve_viewer_can_recall(message: Message, info) -> bool:
        user = info.context.actor.user
        return (user is not None and info.context.actor.has_scope(rules.WRITE_SCOPE)
                and rules.may_recall(user, message))


class MessageConnection(Connection):
    class Meta:
        node = MessageNode


class ConversationNode(graphene.ObjectType):
    """A private conversation (私信) or a group's chat (群聊) the viewer takes part in."""

    class Meta:
        name = "Conversation"
        interfaces = (Node,)
        possible_types = (Conversation,)

    kind = graphene.Field(ConversationKind, required=True)
    state = graphene.Field(ConversationState, required=True)
    is_request_to_me = graphene.Boolean(
        required=True, description="别人发给我的、等我接受或拒绝的消息请求")
    title = graphene.String(required=True, description="对方的昵称，或群名")
    other_user = graphene.Field(UserNode, description="私信的对方；群聊为 null")
    group = graphene.Field(GroupNode, description="群聊所属的群；私信为 null")
    unread_count = graphene.Int(required=True)
    muted = graphene.Boolean(required=True, description="消息免打扰：未读不计入总数")
    last_message = graphene.Field(MessageNode, description="最新一条我能看到的消息")
    last_message_at = graphene.DateTime()

    @classmethod
    def get_node(cls, info, pk: int) -> Conversation:
        actor = info.context.actor
        conversation = selectors.get_conversation(actor=actor, pk=pk)
        selectors.attach_seats(actor.user_id, [conversation])
        return conversation

    @staticmethod
    def resolve_is_request_to_me(conversation: Conversation, info) -> bool:
        return (conversation.state == Conversation.State.REQUEST
                and conversation.requested_by_id != info.context.actor.user_id)

    @staticmethod
    def resolve_title(conversation: Conversation, info) -> str:
        if conversation.is_group:
            return conversation.group.name
        other = selectors.other_person(conversation, info.context.actor.user_id)
        return other.display_name or other.username

    @staticmethod
    def resolve_other_user(conversation: Conversation, info):
        return selectors.other_person(conversation, info.context.actor.user_id)

    @staticmethod
    def resolve_unread_count(conversation: Conversation, info) -> int:
        return conversation.seat.unread_count

    @staticmethod
    def resolve_muted(conversation: Conversation, info) -> bool:
        return conversation.seat.muted

    @staticmethod
    def resolve_last_message(conversation: Conversation, info):
        return getattr(conversation, "last_message", None)


class ConversationConnection(Connection):
    class Meta:
        node = ConversationNode


def _conversation_pk(value, field: str = "conversationId") -> int:
    return decode_global_id(value, expected="Conversation", field=field)


class Query(graphene.ObjectType):
    conversations = connection_field(
        ConversationConnection,
        "我的会话（私信和群聊），最新消息在前；requests: true 为消息请求（陌生人发来、等我回复的）",
        scope="messages:read",
        requests=graphene.Boolean(description="只看消息请求"),
    )
    messages = connection_field(
        MessageConnection, "一个会话里我能看到的消息，最新的在前（入群前的消息不在其中）",
        scope="messages:read", conversation_id=graphene.ID(required=True),
    )
    unread_message_count = ScopedField(
        graphene.Int, required=True,
        description="未读消息总数（免打扰的会话和消息请求不计）；未登录为 0",
        scope="messages:read",
    )

    @staticmethod
    def resolve_conversations(root, info, first=None, after=None, requests=False):
        actor = info.context.actor
        qs = selectors.inbox_queryset(actor=actor, requests=bool(requests))
        result = resolve_connection(ConversationConnection, qs, first=first, after=after)
        selectors.attach_seats(actor.user_id, [edge.node for edge in result.edges])
        return result

    @staticmethod
    def resolve_messages(root, info, conversation_id, first=None, after=None):
        qs = selectors.messages_queryset(actor=info.context.actor,
                                         conversation_id=_conversation_pk(conversation_id))
        return resolve_connection(MessageConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_unread_message_count(root, info) -> int:
        actor = info.context.actor
        if actor.user is None and actor.school is None:
            return 0
        rules.reader(actor)
        return selectors.unread_total(actor=actor)


class MessagesMutation(DomainMutation):
    class Meta:
        abstract = True

    error_fields = {"conversation": "conversationId", "message": "messageId",
                    "group": "groupId"}


class SendMessage(MessagesMutation):
    """Send a message: into a conversation (conversationId), to a person (recipient: a
    username; the conversation is opened when there is none, a stranger's first message is
    a message request), or into a group's chat (groupId, members only). Text only here;
    images and files are sent from the web page."""

    scope = "messages:write"

    class Input:
        conversation_id = graphene.ID(description="发到哪个会话")
        recipient = graphene.String(description="或：发给谁（用户名）")
        group_id = graphene.ID(description="或：发到哪个群的群聊")
        text = graphene.String(required=True, description=f"最多 {MESSAGE_MAX_LENGTH} 字")

    message = graphene.Field(MessageNode)
    conversation = graphene.Field(ConversationNode)

    @classmethod
    def perform(cls, info, actor, text, conversation_id=None, recipient=None, group_id=None):
        given = [v for v in (conversation_id, recipient, group_id) if v]
        if len(given) != 1:
            raise Invalid(_("请指定一个会话、一个收信人或一个群（只能选一个）"),
                          field="conversationId")
        rules.reader(actor, rules.WRITE_SCOPE)
        if recipient:
            conversation = services.open_direct(actor=actor, username=recipient)
        elif group_id:
            conversation = services.open_group_chat(
                actor=actor, group_id=decode_global_id(group_id, expected="Group",
                                                       field="groupId"))
        else:
            conversation = selectors.get_conversation(
                actor=actor, pk=_conversation_pk(conversation_id), scope=rules.WRITE_SCOPE)
        message = services.send_message(actor=actor, conversation_id=conversation.pk, text=text)
        conversation = selectors.get_conversation(actor=actor, pk=conversation.pk,
                                                  scope=rules.WRITE_SCOPE)
        selectors.attach_seats(actor.user_id, [conversation])
        return {"message": message, "conversation": conversation}


class MarkConversationRead(MessagesMutation):
    """Mark everything in a conversation read."""

    scope = "messages:read"

    class Input:
        conversation_id = graphene.ID(required=True)

    conversation = graphene.Field(ConversationNode)
    unread_message_count = graphene.Int(description="之后的未读消息总数")

    @classmethod
    def perform(cls, info, actor, conversation_id):
        pk = _conversation_pk(conversation_id)
        services.mark_read(actor=actor, conversation_id=pk)
        conversation = selectors.get_conversation(actor=actor, pk=pk)
        selectors.attach_seats(actor.user_id, [conversation])
        return {"conversation": conversation,
                "unread_message_count": selectors.unread_total(actor=actor)}


class RecallMessage(MessagesMutation):
    """撤回 a message of mine within 2 minutes of sending it; a note remains (消息已撤回)."""

    scope = "messages:write"

    class Input:
        message_id = graphene.ID(required=True)

    message = graphene.Field(MessageNode)

    @classmethod
    def perform(cls, info, actor, message_id):
        pk = decode_global_id(message_id, expected="Message", field="messageId")
        return {"message": services.recall_message(actor=actor, message_id=pk)}


class MuteConversation(MessagesMutation):
    """消息免打扰 on or off for a conversation."""

    scope = "messages:write"

    class Input:
        conversation_id = graphene.ID(required=True)
        muted = graphene.Boolean(required=True)

    conversation = graphene.Field(ConversationNode)

    @classmethod
    def perform(cls, info, actor, conversation_id, muted):
        pk = _conversation_pk(conversation_id)
        services.set_muted(actor=actor, conversation_id=pk, muted=muted)
        conversation = selectors.get_conversation(actor=actor, pk=pk, scope=rules.WRITE_SCOPE)
        selectors.attach_seats(actor.user_id, [conversation])
        return {"conversation": conversation}


class LeaveConversation(MessagesMutation):
    """Close a private conversation (what was said so far leaves my view), or leave a
    group's chat, which is leaving the group (it also needs `groups:write`)."""

    scope = "messages:write"

    class Input:
        conversation_id = graphene.ID(required=True)

    left = graphene.Boolean()

    @classmethod
    def perform(cls, info, actor, conversation_id):
        services.leave_conversation(actor=actor, conversation_id=_conversation_pk(
            conversation_id))
        return {"left": True}


class AnswerMessageRequest(MessagesMutation):
    """Accept a message request (the conversation moves to my inbox) or decline it."""

    scope = "messages:write"

    class Input:
        conversation_id = graphene.ID(required=True)
        accept = graphene.Boolean(required=True)

    conversation = graphene.Field(ConversationNode, description="接受后的会话；拒绝时为 null")

    @classmethod
    def perform(cls, info, actor, conversation_id, accept):
        pk = _conversation_pk(conversation_id)
        services.answer_request(actor=actor, conversation_id=pk, accept=accept)
        if not accept:
            return {"conversation": None}
        conversation = selectors.get_conversation(actor=actor, pk=pk, scope=rules.WRITE_SCOPE)
        selectors.attach_seats(actor.user_id, [conversation])
        return {"conversation": conversation}


class Mutation(graphene.ObjectType):
    send_message = SendMessage.Field()
    mark_conversation_read = MarkConversationRead.Field()
    recall_message = RecallMessage.Field()
    mute_conversation = MuteConversation.Field()
    leave_conversation = LeaveConversation.Field()
    answer_message_request = AnswerMessageRequest.Field()


types = [ConversationNode, MessageNode]

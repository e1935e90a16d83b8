"""The GraphQL types of posts, comments and topics, and the helpers that page them."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from feeds import poll_selectors, rules, selectors
from feeds.models import Comment, Post, Topic, Visibility
from feeds.schema.loaders import (
    LikedComments,
    LikedPosts,
    PostPolls,
    PostTopics,
    ReadAnnouncements,
    VisibleOriginals,
    queue_comments,
    queue_posts,
)
from feeds.schema.polls import PollNode, ReadReceipts
from yiban_core.accounts.schema import UserNode
from yiban_core.errors import Invalid, PermissionDenied
from yiban_core.graphql.connections import (
    DEFAULT_PAGE_SIZE,
    Connection,
    connection_field,
    max_page_size,
)
from yiban_core.graphql.enums import choices_enum
from yiban_core.graphql.relay import Node, decode_global_id
from yiban_core.groups.schema import GroupNode
from yiban_core.moderation.schema import moderation_state_field, resolve_moderation_state
from yiban_core.pagination import Page, encode_cursor

PostVisibility = choices_enum(
    "PostVisibility", Visibility, "动态的可见范围：公开、本校可见、粉丝可见、群内可见"
)

# The orders of the selectors' lists, to give every edge its cursor (the same
# signed cursor the selector hands out as the page's end cursor).
_NEWEST_POSTS = Post.objects.order_by("-pk")
_OLDEST_COMMENTS = Comment.objects.order_by("pk")


# --- pages --------------------------------------------------------------------------------


def page_size(first: int | None) -> int:
    """The connections' rule (yiban_core.graphql.connections): 1 to the cap, else INVALID."""
    if first is not None and not 1 <= first <= max_page_size():
        raise Invalid(_("first 须在 1 到 %(max)d 之间") % {"max": max_page_size()}, field="first")
    return first or DEFAULT_PAGE_SIZE


def page_connection(connection: type[Connection], page: Page, order) -> Connection:
    edges = [connection.Edge(node=item, cursor=encode_cursor(order, item)) for item in page.items]
    return connection(
        edges=edges,
        page_info=graphene.relay.PageInfo(
            has_next_page=page.has_next,
            has_previous_page=False,  # forward paging only
            start_cursor=page.start_cursor,
            end_cursor=page.end_cursor,
        ),
    )


def posts_connection(info, page: Page) -> PostConnection:
    queue_posts(info, page.items)
    return page_connection(PostConnection, page, _NEWEST_POSTS)


def post_from_input(info, value, field: str = "postId") -> Post:
    pk = decode_global_id(value, expected="Post", field=field)
    return selectors.get_post(actor=info.context.actor, pk=pk)


def comment_pk(value, field: str = "commentId") -> int:
    return decode_global_id(value, expected="Comment", field=field)


# --- types --------------------------------------------------------------------------------


class TopicNode(graphene.ObjectType):
    """A topic (#话题#), named in posts between two #."""

    class Meta:
        name = "Topic"
        interfaces = (Node,)
        possible_types = (Topic,)

    name = graphene.String(required=True)
    post_count = graphene.Int(required=True, description="带这个话题的动态数")
    posts = connection_field(lambda: PostConnection, "带这个话题、你能看到的动态，最新的在前")

    @classmethod
    def get_node(cls, info, pk: int) -> Topic | None:
        # A topic is only a name: every topic is public, its posts are filtered.
        return Topic.objects.filter(pk=pk).first()

    @staticmethod
    def resolve_posts(topic: Topic, info, first=None, after=None):
        page = selectors.topic_timeline(actor=info.context.actor, name=topic.name,
                                        first=page_size(first), after=after)
        return posts_connection(info, page)


class CommentNode(graphene.ObjectType):
    """A comment on a post; replies are one level deep (a reply to a reply joins the thread)."""

    class Meta:
        name = "Comment"
        interfaces = (Node,)
        possible_types = (Comment,)

    text = graphene.String(required=True, description="原文，不是 HTML：显示时请转义")
    author = graphene.Field(UserNode, required=True)
    reply_to = graphene.Field(UserNode, description="回复的是谁；顶层评论为 null")
    replies = graphene.List(graphene.NonNull(lambda: CommentNode), required=True,
                            description="对这条评论的回复，最早的在前（顶层评论才有）")
    like_count = graphene.Int(required=True)
    viewer_has_liked = graphene.Boolean(required=True)
    created_at = graphene.DateTime(required=True)
    moderation_state = moderation_state_field()

    @staticmethod
    def resolve_moderation_state(comment: Comment, info):
        return resolve_moderation_state(info, comment, comment.author_id)

    @classmethod
    def get_node(cls, info, pk: int) -> Comment | None:
        comment = Comment.objects.select_related("author", "reply_to").filter(pk=pk).first()
        if comment is None:
            return None
        selectors.get_post(actor=info.context.actor, pk=comment.post_id)  # NOT_FOUND: null
        if not selectors.comment_is_shown(info.context.actor, comment):
            return None  # held or removed by moderation: its author's only
        return comment

    @staticmethod
    def resolve_replies(comment: Comment, info) -> list[Comment]:
        if comment.parent_id is not None:
            return []
        return list(comment.replies.all())

    @staticmethod
    def resolve_viewer_has_liked(comment: Comment, info) -> bool:
        return LikedComments.of(info).load(comment)


class CommentConnection(Connection):
    class Meta:
        node = CommentNode


class PostNode(graphene.ObjectType):
    """A post (动态): text, images, a visibility; maybe a repost or a group announcement."""

    class Meta:
        name = "Post"
        interfaces = (Node,)
        possible_types = (Post,)

    text = graphene.String(required=True, description="原文，不是 HTML：显示时请转义")
    visibility = graphene.Field(PostVisibility, required=True)
    author = graphene.Field(UserNode, required=True)
    group = graphene.Field(GroupNode, description="发在哪个群；不是群内动态为 null")
    images = graphene.List(graphene.NonNull(graphene.String), required=True,
                           description="图片地址，按顺序，最多 9 张")
    repost_of = graphene.Field(
        lambda: PostNode, description="转发的原动态；原动态已删除或你看不到时为 null"
    )
    is_announcement = graphene.Boolean(required=True, description="群主或管理员设为了群公告")
    pinned_at = graphene.DateTime(description="设为公告的时间")
    like_count = graphene.Int(required=True)
    comment_count = graphene.Int(required=True)
    repost_count = graphene.Int(required=True)
    created_at = graphene.DateTime(required=True)
    edited_at = graphene.DateTime(description="最后编辑的时间；没编辑过为 null")
    viewer_has_liked = graphene.Boolean(required=True)
    viewer_can_edit = graphene.Boolean(required=True, description="当前用户能否编辑它")
    viewer_can_delete = graphene.Boolean(required=True, description="当前用户能否删除它")
    viewer_can_pin = graphene.Boolean(required=True,
                                      description="当前用户能否把它设为（或取消）群公告")
    topics = graphene.List(graphene.NonNull(TopicNode), required=True,
                           description="动态里的 #话题#")
    comments = connection_field(CommentConnection, "顶层评论，最早的在前，每条带着回复")
    moderation_state = moderation_state_field()
    poll = graphene.Field(PollNode, description="动态带的投票；没有为 null")
    viewer_has_read = graphene.Boolean(
        required=True, description="群公告：当前用户是否已读（打开过或标记了已读）")
    read_receipts = graphene.Field(
        ReadReceipts, description="群公告的已读情况：只有群主和管理员能看到，其他人为 null")

    @staticmethod
    def resolve_poll(post: Post, info):
        return PostPolls.of(info).load(post)

    @staticmethod
    def resolve_viewer_has_read(post: Post, info) -> bool:
        return ReadAnnouncements.of(info).load(post)

    @staticmethod
    def resolve_read_receipts(post: Post, info):
        if not post.is_announcement:
            return None
        try:
            return poll_selectors.read_receipts(actor=info.context.actor, post=post,
                                                role=_viewer_role(post, info))
        except PermissionDenied:
            return None

    @staticmethod
    def resolve_moderation_state(post: Post, info):
        return resolve_moderation_state(info, post, post.author_id)

    @classmethod
    def get_node(cls, info, pk: int) -> Post:
        return selectors.get_post(actor=info.context.actor, pk=pk)

    @staticmethod
    def resolve_images(post: Post, info) -> list[str]:
        return [info.context.build_absolute_uri(image.image.url) for image in post.image_list()]

    @staticmethod
    def resolve_repost_of(post: Post, info) -> Post | None:
        if post.repost_of_id is None or post.repost_of is None:
            return None
        return post.repost_of if VisibleOriginals.of(info).load(post.repost_of) else None

    @staticmethod
    def resolve_viewer_has_liked(post: Post, info) -> bool:
        return LikedPosts.of(info).load(post)

    @staticmethod
    def resolve_viewer_can_edit(post: Post, info) -> bool:
        return rules.may_edit_post(info.context.actor, post)

    @staticmethod
    def resolve_viewer_can_delete(post: Post, info) -> bool:
        return rules.may_delete_post(info.context.actor, post, _viewer_role(post, info))

    @staticmethod
    def resolve_viewer_can_pin(post: Post, info) -> bool:
        return rules.may_pin(info.context.actor, post, _viewer_role(post, info))

    @staticmethod
    def resolve_topics(post: Post, info) -> list[Topic]:
        return PostTopics.of(info).load(post)  # one query a page

    @staticmethod
    def resolve_comments(post: Post, info, first=None, after=None):
        page = selectors.comments(actor=info.context.actor, post=post,
                                  first=page_size(first), after=after)
        queue_comments(info, page.items)
        return page_connection(CommentConnection, page, _OLDEST_COMMENTS)


def _viewer_role(post: Post, info) -> str | None:
    """The viewer's role in the post's group, batched with the groups' (ViewerRoles)."""
    return GroupNode.resolve_viewer_role(post.group, info) if post.group_id else None


class PostConnection(Connection):
    class Meta:
        node = PostNode


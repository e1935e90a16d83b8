"""GraphQL types, queries and mutations of posts, comments, likes, reposts and topics.

Thin: parse the input, call a feeds selector or service with the request's
actor, shape the output. Who sees what is decided in feeds.selectors only:

- every timeline, `post(id:)` and `node(id:)` read through the selectors, so a
  post the viewer may not see is null (node) or NOT_FOUND (post), exactly like
  one that does not exist;
- `repostOf` is null when the original is deleted or hidden from the viewer;
- a notification's `targetId` (and its `excerpt`) is shown only while the
  viewer may still see the post it is about (registered below with the core,
  which knows nothing of posts).

Text is returned as stored, never as HTML: clients escape it (the web pages do
so in frontend/rich_text.py). Images are uploaded with the web composer, not
through GraphQL for now.

A timeline page costs a fixed number of queries whatever its size: the
selectors join author, group and original and prefetch images and topics, and
what depends on the viewer (viewerHasLiked, whether an original is still
visible) is read once per page into the request memo (`_prime_posts`).
"""

from __future__ import annotations

from collections.abc import Iterable

import graphene
from django.utils.translation import gettext as _

from feeds import rules, selectors, services
from feeds.models import Comment, Post, Topic, Visibility
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.schema import UserNode, school_from_input
from yiban_core.errors import Invalid, NotFound
from yiban_core.graphql.cache import request_memo
from yiban_core.graphql.connections import (
    DEFAULT_PAGE_SIZE,
    Connection,
    connection_field,
    max_page_size,
)
from yiban_core.graphql.enums import choices_enum, enum_value
from yiban_core.graphql.errors import DomainMutation, input_fields
from yiban_core.graphql.relay import Node, decode_global_id, global_id
from yiban_core.groups.schema import GroupNode, group_from_input
from yiban_core.notifications.schema import register_target
from yiban_core.pagination import Page, encode_cursor

PostVisibility = choices_enum(
    "PostVisibility", Visibility, "动态的可见范围：公开、本校可见、粉丝可见、群内可见"
)

# The orders of the selectors' lists, to give every edge its cursor (the same
# signed cursor the selector hands out as the page's end cursor).
_NEWEST_POSTS = Post.objects.order_by("-pk")
_OLDEST_COMMENTS = Comment.objects.order_by("pk")


# --- batching what depends on the viewer ------------------------------------------------


def _liked_posts(info) -> dict[int, bool]:
    return request_memo(info, "liked_posts")


def _visible_originals(info) -> dict[int, bool]:
    return request_memo(info, "visible_originals")


def _liked_comments(info) -> dict[int, bool]:
    return request_memo(info, "liked_comments")


def _page_posts(info) -> dict[int, Post]:
    """Every post primed in this request, so that a page's topics are read at once."""
    return request_memo(info, "page_posts")


def _prime_posts(info, posts: Iterable[Post]) -> None:
    """Two queries for a whole page: which posts the viewer liked, which originals they see."""
    actor = info.context.actor
    posts = list(posts)
    originals = [p.repost_of for p in posts if p.repost_of_id is not None and p.repost_of]
    _page_posts(info).update((id(p), p) for p in posts)
    visible = _visible_originals(info)
    unknown = {p.pk for p in originals if p.pk not in visible}
    if unknown:
        seen = selectors.visible_post_ids(actor=actor, ids=unknown)
        visible.update({pk: pk in seen for pk in unknown})
    liked = _liked_posts(info)
    todo = [p for p in [*posts, *originals] if p.pk not in liked]
    if todo:
        found = selectors.liked_post_ids(actor=actor, posts=todo)
        liked.update({p.pk: p.pk in found for p in todo})


def _prime_comments(info, comments: Iterable[Comment]) -> None:
    """One query for the viewer's likes on a page of comments and their replies."""
    every = []
    for comment in comments:
        every.append(comment)
        every.extend(comment.replies.all())  # prefetched by selectors.comments
    liked = _liked_comments(info)
    todo = [c for c in every if c.pk not in liked]
    if todo:
        found = selectors.liked_comment_ids(actor=info.context.actor, comments=todo)
        liked.update({c.pk: c.pk in found for c in todo})


# --- pages --------------------------------------------------------------------------------


def _page_size(first: int | None) -> int:
    """The connections' rule (yiban_core.graphql.connections): 1 to the cap, else INVALID."""
    if first is not None and not 1 <= first <= max_page_size():
        raise Invalid(_("first 须在 1 到 %(max)d 之间") % {"max": max_page_size()}, field="first")
    return first or DEFAULT_PAGE_SIZE


def _connection(connection: type[Connection], page: Page, order) -> Connection:
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
    _prime_posts(info, page.items)
    return _connection(PostConnection, page, _NEWEST_POSTS)


def post_from_input(info, value, field: str = "postId") -> Post:
    pk = decode_global_id(value, expected="Post", field=field)
    return selectors.get_post(actor=info.context.actor, pk=pk)


def _comment_pk(value, field: str = "commentId") -> int:
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
                                        first=_page_size(first), after=after)
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

    @classmethod
    def get_node(cls, info, pk: int) -> Comment | None:
        comment = Comment.objects.select_related("author", "reply_to").filter(pk=pk).first()
        if comment is None:
            return None
        selectors.get_post(actor=info.context.actor, pk=comment.post_id)  # NOT_FOUND: null
        return comment

    @staticmethod
    def resolve_replies(comment: Comment, info) -> list[Comment]:
        if comment.parent_id is not None:
            return []
        return list(comment.replies.all())

    @staticmethod
    def resolve_viewer_has_liked(comment: Comment, info) -> bool:
        liked = _liked_comments(info)
        if comment.pk not in liked:
            found = selectors.liked_comment_ids(actor=info.context.actor, comments=[comment])
            liked[comment.pk] = comment.pk in found
        return liked[comment.pk]


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
        visible = _visible_originals(info)
        if post.repost_of_id not in visible:  # not primed: a post read on its own
            visible[post.repost_of_id] = selectors.shown_repost_of(
                actor=info.context.actor, post=post) is not None
        return post.repost_of if visible[post.repost_of_id] else None

    @staticmethod
    def resolve_viewer_has_liked(post: Post, info) -> bool:
        liked = _liked_posts(info)
        if post.pk not in liked:
            _prime_posts(info, [post])
        return liked[post.pk]

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
        selectors.attach_topics([post, *_page_posts(info).values()])  # one query a page
        return post.topic_list()

    @staticmethod
    def resolve_comments(post: Post, info, first=None, after=None):
        page = selectors.comments(actor=info.context.actor, post=post,
                                  first=_page_size(first), after=after)
        _prime_comments(info, page.items)
        return _connection(CommentConnection, page, _OLDEST_COMMENTS)


def _viewer_role(post: Post, info) -> str | None:
    """The viewer's role in the post's group, remembered per request with the groups'."""
    return GroupNode.resolve_viewer_role(post.group, info) if post.group_id else None


class PostConnection(Connection):
    class Meta:
        node = PostNode


# A notification about a post shows its ID (and excerpt) only while the viewer may see it.
register_target(Post, "Post",
                lambda actor, ids: selectors.visible_post_ids(actor=actor, ids=ids))


# --- queries ------------------------------------------------------------------------------


class Query(graphene.ObjectType):
    home_timeline = connection_field(
        PostConnection, "首页：关注的人、我的群和学校官方群的动态，最新的在前（需登录）"
    )
    group_timeline = connection_field(
        PostConnection, "群里的动态，最新的在前；私密群只有成员能看",
        group_id=graphene.ID(required=True),
    )
    group_announcements = graphene.List(
        graphene.NonNull(PostNode), group_id=graphene.ID(required=True),
        description="群公告：最近设置的 5 条",
    )
    user_timeline = connection_field(
        PostConnection, "某人发的动态（群内动态除外）中你能看到的，最新的在前",
        username=graphene.String(required=True),
    )
    topic = graphene.Field(TopicNode, name=graphene.String(required=True),
                           description="按名称找话题（不分大小写）")
    topic_timeline = connection_field(
        PostConnection, "带这个话题、你能看到的动态，最新的在前",
        name=graphene.String(required=True),
    )
    trending_topics = graphene.List(
        graphene.NonNull(TopicNode), required=True,
        description="热门话题：过去 24 小时公开动态最多的 10 个",
    )
    school_square = connection_field(
        PostConnection, "学校广场：这所学校的人发的、你能看到的动态（群内动态除外）",
        school_id=graphene.ID(required=True),
    )
    post = graphene.Field(PostNode, id=graphene.ID(required=True),
                          description="一条动态；不存在或你看不到时为 null（NOT_FOUND）")

    @staticmethod
    def resolve_home_timeline(root, info, first=None, after=None):
        page = selectors.home_timeline(actor=info.context.actor, first=_page_size(first),
                                       after=after)
        return posts_connection(info, page)

    @staticmethod
    def resolve_group_timeline(root, info, group_id, first=None, after=None):
        group = group_from_input(info, group_id)
        page = selectors.group_timeline(actor=info.context.actor, group=group,
                                        first=_page_size(first), after=after)
        return posts_connection(info, page)

    @staticmethod
    def resolve_group_announcements(root, info, group_id):
        group = group_from_input(info, group_id)
        posts = selectors.group_announcements(actor=info.context.actor, group=group)
        _prime_posts(info, posts)
        return posts

    @staticmethod
    def resolve_user_timeline(root, info, username, first=None, after=None):
        actor = info.context.actor
        user = account_selectors.get_user(actor=actor, username=username)
        page = selectors.user_timeline(actor=actor, user=user, first=_page_size(first),
                                       after=after)
        return posts_connection(info, page)

    @staticmethod
    def resolve_topic(root, info, name):
        with input_fields({"topic": "name"}):
            return selectors.get_topic(actor=info.context.actor, name=name)

    @staticmethod
    def resolve_topic_timeline(root, info, name, first=None, after=None):
        with input_fields({"topic": "name"}):
            page = selectors.topic_timeline(actor=info.context.actor, name=name,
                                            first=_page_size(first), after=after)
        return posts_connection(info, page)

    @staticmethod
    def resolve_trending_topics(root, info):
        return selectors.trending_topics(actor=info.context.actor)

    @staticmethod
    def resolve_school_square(root, info, school_id, first=None, after=None):
        school = school_from_input(info, school_id)
        page = selectors.school_square(actor=info.context.actor, school=school,
                                       first=_page_size(first), after=after)
        return posts_connection(info, page)

    @staticmethod
    def resolve_post(root, info, id):
        with input_fields({"post": "id"}):
            post = post_from_input(info, id, field="id")
        _prime_posts(info, [post])
        return post


# --- mutations ----------------------------------------------------------------------------

# Services name what they looked up; the input gives it by ID.
_INPUT_FIELDS = {"post": "post_id", "repost_of": "post_id", "comment": "comment_id",
                 "parent": "parent_id", "group": "group_id"}


class FeedMutation(DomainMutation):
    """A mutation whose errors name the input field (postId, not post)."""

    error_fields = _INPUT_FIELDS

    class Meta:
        abstract = True


class PublishPost(FeedMutation):
    """Publish a post. With groupId it is a group post (members only; visibility is GROUP).

    Images are uploaded with the web composer; GraphQL takes text only for now.
    """

    class Input:
        text = graphene.String(required=True, description="最多 2000 字；可带 @用户名 和 #话题#")
        visibility = graphene.Field(PostVisibility, description="默认 PUBLIC；有 groupId 时忽略")
        group_id = graphene.ID(description="发到哪个群（须是成员）")

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, text, visibility=None, group_id=None):
        group = group_from_input(info, group_id) if group_id else None
        post = services.publish_post(actor=actor, text=text, group=group,
                                     visibility=enum_value(visibility) or Visibility.PUBLIC)
        return {"post": post}


class Repost(FeedMutation):
    """Repost a public post with an optional comment; reposting a repost reposts its original."""

    class Input:
        post_id = graphene.ID(required=True)
        text = graphene.String(description="转发时说的话，可以为空")
        visibility = graphene.Field(PostVisibility, description="转发的可见范围，默认 PUBLIC")

    post = graphene.Field(PostNode, description="新的转发")

    @classmethod
    def perform(cls, info, actor, post_id, text="", visibility=None):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        post = services.repost(actor=actor, post_id=pk, text=text or "",
                               visibility=enum_value(visibility) or Visibility.PUBLIC)
        return {"post": post}


class EditPost(FeedMutation):
    """Change one's own post; fields left out stay as they are."""

    class Input:
        post_id = graphene.ID(required=True)
        text = graphene.String()
        visibility = graphene.Field(PostVisibility, description="群内动态不能改可见范围")

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id, text=None, visibility=None):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        post = services.edit_post(actor=actor, post_id=pk, text=text,
                                  visibility=enum_value(visibility))
        return {"post": post}


class DeletePost(FeedMutation):
    """Delete a post (its author, the group's owner or admins, or a site moderator)."""

    class Input:
        post_id = graphene.ID(required=True)

    deleted_post_id = graphene.ID()

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        services.delete_post(actor=actor, post_id=pk)
        return {"deleted_post_id": global_id("Post", pk)}


class PinPost(FeedMutation):
    """Make a group post an announcement (群公告; owner and admins); members are notified."""

    class Input:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        return {"post": services.set_pinned(actor=actor, post_id=pk, pinned=True)}


class UnpinPost(FeedMutation):
    """Take a group post off the announcements (owner and admins)."""

    class Input:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        return {"post": services.set_pinned(actor=actor, post_id=pk, pinned=False)}


class LikePost(FeedMutation):
    """Like a post; liking it again is CONFLICT."""

    class Input:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        return {"post": services.like_post(actor=actor, post_id=pk)}


class UnlikePost(FeedMutation):
    """Take back a like; a post not liked is NOT_FOUND."""

    class Input:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        return {"post": services.unlike_post(actor=actor, post_id=pk)}


class AddComment(FeedMutation):
    """Comment on a post, or reply to a comment (parentId)."""

    class Input:
        post_id = graphene.ID(required=True)
        text = graphene.String(required=True, description="最多 500 字")
        parent_id = graphene.ID(description="回复哪条评论")

    comment = graphene.Field(CommentNode)
    post = graphene.Field(PostNode, description="评论数已更新的动态")

    @classmethod
    def perform(cls, info, actor, post_id, text, parent_id=None):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        parent = _comment_pk(parent_id, field="parentId") if parent_id else None
        comment = services.add_comment(actor=actor, post_id=pk, text=text, parent_id=parent)
        return {"comment": comment, "post": selectors.get_post(actor=actor, pk=pk)}


class DeleteComment(FeedMutation):
    """Delete a comment and its replies (its author, the post's author, group managers)."""

    class Input:
        comment_id = graphene.ID(required=True)

    deleted_comment_id = graphene.ID()
    post = graphene.Field(PostNode, description="评论数已更新的动态")

    @classmethod
    def perform(cls, info, actor, comment_id):
        pk = _comment_pk(comment_id)
        post_id = Comment.objects.filter(pk=pk).values_list("post_id", flat=True).first()
        if post_id is None:
            raise NotFound(_("评论不存在"), field="comment")
        services.delete_comment(actor=actor, comment_id=pk)
        return {"deleted_comment_id": global_id("Comment", pk),
                "post": selectors.get_post(actor=actor, pk=post_id)}


class LikeComment(FeedMutation):
    class Input:
        comment_id = graphene.ID(required=True)

    comment = graphene.Field(CommentNode)

    @classmethod
    def perform(cls, info, actor, comment_id):
        return {"comment": services.like_comment(actor=actor, comment_id=_comment_pk(comment_id))}


class UnlikeComment(FeedMutation):
    class Input:
        comment_id = graphene.ID(required=True)

    comment = graphene.Field(CommentNode)

    @classmethod
    def perform(cls, info, actor, comment_id):
        return {"comment": services.unlike_comment(actor=actor,
                                                   comment_id=_comment_pk(comment_id))}


class Mutation(graphene.ObjectType):
    publish_post = PublishPost.Field()
    repost = Repost.Field()
    edit_post = EditPost.Field()
    delete_post = DeletePost.Field()
    pin_post = PinPost.Field()
    unpin_post = UnpinPost.Field()
    like_post = LikePost.Field()
    unlike_post = UnlikePost.Field()
    add_comment = AddComment.Field()
    delete_comment = DeleteComment.Field()
    like_comment = LikeComment.Field()
    unlike_comment = UnlikeComment.Field()


types = [PostNode, CommentNode, TopicNode]

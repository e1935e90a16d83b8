"""The mutations of feeds: posts, likes, reposts, comments, announcements."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from feeds import poll_selectors, poll_services, selectors, services
from feeds.models import Comment, Visibility
from feeds.schema.nodes import CommentNode, PostNode, PostVisibility, comment_pk
from feeds.schema.polls import PollInput, PollNode
from feeds.text import MAX_MENTIONS
from yiban_core.errors import NotFound
from yiban_core.graphql.enums import enum_value
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import decode_global_id, global_id
from yiban_core.groups.schema import group_from_input

# Services name what they looked up; the input gives it by ID.
_INPUT_FIELDS = {"post": "post_id", "repost_of": "post_id", "comment": "comment_id",
                 "parent": "parent_id", "group": "group_id", "options": "option_ids"}


class FeedMutation(DomainMutation):
    """A mutation whose errors name the input field (postId, not post)."""

    error_fields = _INPUT_FIELDS

    class Meta:
        abstract = True


MENTION_IDS = ("用 @名字 提到的人（User 的全局 ID，客户端 @ 补全所选的）：同名的人不止一个时"
               "据此确定是谁；正文里须写着 TA 的昵称或用户名")


def MentionIds():
    return graphene.List(graphene.NonNull(graphene.ID), description=MENTION_IDS)


def _user_pks(values) -> list[int]:
    """The users a client's @ autocomplete chose (at most as many as a text may mention)."""
    return [decode_global_id(value, expected="User", field="mentionIds")
            for value in (values or [])[:MAX_MENTIONS]]


class PublishPost(FeedMutation):
    """Publish a post. With groupId it is a group post (members only; visibility is GROUP).

    Images are uploaded with the web composer; GraphQL takes text only for now.
    """

    scope = "feed:write"

    class Input:
        text = graphene.String(required=True, description="最多 2000 字；可带 @用户名 和 #话题#")
        visibility = graphene.Field(PostVisibility, description="默认 PUBLIC；有 groupId 时忽略")
        group_id = graphene.ID(description="发到哪个群（须是成员）")
        mention_ids = MentionIds()
        announce = graphene.Boolean(
            description="直接发布为群公告（须有 groupId，群主或管理员）：置顶并通知全体成员")
        poll = PollInput(description="带一个投票（单选或多选，2 到 10 个选项）")

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, text, visibility=None, group_id=None, mention_ids=None,
                announce=False, poll=None):
        group = group_from_input(info, group_id) if group_id else None
        spec = None
        if poll is not None:
            spec = poll_services.PollSpec(
                options=list(poll.options or []), closes_at=poll.closes_at,
                multiple=bool(poll.multiple), anonymous=bool(poll.anonymous),
                results_hidden=bool(poll.results_hidden))
        post = services.publish_post(actor=actor, text=text, group=group,
                                     visibility=enum_value(visibility) or Visibility.PUBLIC,
                                     mention_ids=_user_pks(mention_ids), announce=bool(announce),
                                     poll=spec)
        return {"post": post}


class Repost(FeedMutation):
    """Repost a public post with an optional comment; reposting a repost reposts its original."""

    scope = ("feed:write", "feed:read")

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

    scope = ("feed:write", "feed:read")

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

    scope = ("feed:write", "feed:read")

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

    scope = ("feed:write", "feed:read")

    class Input:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        return {"post": services.set_pinned(actor=actor, post_id=pk, pinned=True)}


class UnpinPost(FeedMutation):
    """Take a group post off the announcements (owner and admins)."""

    scope = ("feed:write", "feed:read")

    class Input:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        return {"post": services.set_pinned(actor=actor, post_id=pk, pinned=False)}


class LikePost(FeedMutation):
    """Like a post; liking it again is CONFLICT."""

    scope = ("feed:write", "feed:read")

    class Input:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        return {"post": services.like_post(actor=actor, post_id=pk)}


class UnlikePost(FeedMutation):
    """Take back a like; a post not liked is NOT_FOUND."""

    scope = ("feed:write", "feed:read")

    class Input:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        return {"post": services.unlike_post(actor=actor, post_id=pk)}


class AddComment(FeedMutation):
    """Comment on a post, or reply to a comment (parentId)."""

    scope = ("feed:write", "feed:read")

    class Input:
        post_id = graphene.ID(required=True)
        text = graphene.String(required=True, description="最多 500 字")
        parent_id = graphene.ID(description="回复哪条评论")
        mention_ids = MentionIds()

    comment = graphene.Field(CommentNode)
    post = graphene.Field(PostNode, description="评论数已更新的动态")

    @classmethod
    def perform(cls, info, actor, post_id, text, parent_id=None, mention_ids=None):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        parent = comment_pk(parent_id, field="parentId") if parent_id else None
        comment = services.add_comment(actor=actor, post_id=pk, text=text, parent_id=parent,
                                       mention_ids=_user_pks(mention_ids))
        return {"comment": comment, "post": selectors.get_post(actor=actor, pk=pk)}


class DeleteComment(FeedMutation):
    """Delete a comment and its replies (its author, the post's author, group managers)."""

    scope = "feed:write"

    class Input:
        comment_id = graphene.ID(required=True)

    deleted_comment_id = graphene.ID()
    post = graphene.Field(PostNode, description="评论数已更新的动态")

    @classmethod
    def perform(cls, info, actor, comment_id):
        pk = comment_pk(comment_id)
        post_id = Comment.objects.filter(pk=pk).values_list("post_id", flat=True).first()
        if post_id is None:
            raise NotFound(_("评论不存在"), field="comment")
        services.delete_comment(actor=actor, comment_id=pk)
        return {"deleted_comment_id": global_id("Comment", pk),
                "post": selectors.get_post(actor=actor, pk=post_id)}


class LikeComment(FeedMutation):
    scope = "feed:write"

    class Input:
        comment_id = graphene.ID(required=True)

    comment = graphene.Field(CommentNode)

    @classmethod
    def perform(cls, info, actor, comment_id):
        return {"comment": services.like_comment(actor=actor, comment_id=comment_pk(comment_id))}


class UnlikeComment(FeedMutation):
    scope = "feed:write"

    class Input:
        comment_id = graphene.ID(required=True)

    comment = graphene.Field(CommentNode)

    @classmethod
    def perform(cls, info, actor, comment_id):
        return {"comment": services.unlike_comment(actor=actor,
                                                   comment_id=comment_pk(comment_id))}


class Vote(FeedMutation):
    """Vote in a post's poll: once, before its deadline; a single-choice poll takes one
    option. A second vote is CONFLICT, a vote after the deadline CONFLICT."""

    scope = ("feed:write", "feed:read")

    class Input:
        post_id = graphene.ID(required=True, description="带投票的动态")
        option_ids = graphene.List(graphene.NonNull(graphene.ID), required=True,
                                   description="所选的 PollOption ID（单选只能一个）")

    poll = graphene.Field(PollNode, description="投票后的结果（按你能看到的）")

    @classmethod
    def perform(cls, info, actor, post_id, option_ids):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        options = [decode_global_id(value, expected="PollOption", field="optionIds")
                   for value in (option_ids or [])[:11]]
        poll_services.vote(actor=actor, post_id=pk, option_ids=options)
        post = selectors.get_post(actor=actor, pk=pk)
        return {"poll": poll_selectors.poll_of(actor=actor, post=post)}


class MarkAnnouncementRead(FeedMutation):
    """Say that I have read a group announcement (我已读; members). Opening it on the site
    does the same."""

    scope = "feed:read"

    class Input:
        post_id = graphene.ID(required=True)

    post = graphene.Field(PostNode)

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        poll_services.mark_announcement_read(actor=actor, post_id=pk)
        return {"post": selectors.get_post(actor=actor, pk=pk)}


class RemindUnreadMembers(FeedMutation):
    """Notify the members who have not read an announcement (owner and admins; once an hour
    per announcement, else RATE_LIMITED)."""

    scope = ("feed:write", "feed:read")

    class Input:
        post_id = graphene.ID(required=True)

    reminded_count = graphene.Int(description="提醒了多少人")

    @classmethod
    def perform(cls, info, actor, post_id):
        pk = decode_global_id(post_id, expected="Post", field="postId")
        return {"reminded_count": poll_services.remind_unread(actor=actor, post_id=pk)}


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
    vote = Vote.Field()
    mark_announcement_read = MarkAnnouncementRead.Field()
    remind_unread_members = RemindUnreadMembers.Field()

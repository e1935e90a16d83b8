"""The GraphQL types of polls (投票) and of announcement read receipts.

A poll is read as its reader sees it (feeds.poll_selectors): counts are null while the
author hides them until the deadline, and `voters` is null for an anonymous poll,
to everyone. Read receipts are null for anyone but the group's owner and admins.
"""

from __future__ import annotations

import graphene

from feeds import poll_selectors, selectors
from feeds.models import Poll, PollOption
from feeds.poll_selectors import OptionView, PollView
from yiban_core.accounts.schema import UserNode
from yiban_core.graphql.relay import Node


def _poll_view(info, poll_id: int) -> PollView | None:
    post_id = Poll.objects.filter(pk=poll_id).values_list("post_id", flat=True).first()
    if post_id is None:
        return None
    post = selectors.get_post(actor=info.context.actor, pk=post_id)  # NOT_FOUND: null
    return poll_selectors.poll_of(actor=info.context.actor, post=post)


class PollOptionNode(graphene.ObjectType):
    """One option of a poll."""

    class Meta:
        name = "PollOption"
        interfaces = (Node,)
        possible_types = (OptionView,)

    text = graphene.String(required=True)
    vote_count = graphene.Int(description="票数；发起人选择截止前隐藏结果时，截止前为 null")
    percent = graphene.Int(description="占全部选票的百分比（取整）；隐藏结果时为 null")
    viewer_chose = graphene.Boolean(required=True, description="当前用户是否选了它")
    voters = graphene.List(graphene.NonNull(UserNode),
                           description="选了它的人（实名投票才有；匿名投票或结果隐藏时为 null）")

    @classmethod
    def get_node(cls, info, pk: int) -> OptionView | None:
        poll_id = PollOption.objects.filter(pk=pk).values_list("poll_id", flat=True).first()
        view = _poll_view(info, poll_id) if poll_id is not None else None
        return next((option for option in view.options if option.pk == pk), None) \
            if view is not None else None

    @staticmethod
    def resolve_id(option: OptionView, info):
        return option.pk

    @staticmethod
    def resolve_vote_count(option: OptionView, info):
        return option.count

    @staticmethod
    def resolve_viewer_chose(option: OptionView, info):
        return option.chosen


class PollNode(graphene.ObjectType):
    """A poll (投票) on a post: seen by whoever sees the post."""

    class Meta:
        name = "Poll"
        interfaces = (Node,)
        possible_types = (PollView,)

    post = graphene.Field("feeds.schema.nodes.PostNode", required=True)
    multiple = graphene.Boolean(required=True, description="多选")
    anonymous = graphene.Boolean(required=True, description="匿名：谁投了什么对任何人都不显示")
    results_hidden = graphene.Boolean(required=True, description="截止前隐藏结果")
    closes_at = graphene.DateTime(required=True, description="截止时间")
    is_open = graphene.Boolean(required=True, description="是否还能投票（未到截止时间）")
    voter_count = graphene.Int(required=True, description="参与人数")
    results_visible = graphene.Boolean(required=True, description="当前用户能否看到票数")
    viewer_has_voted = graphene.Boolean(required=True)
    viewer_can_vote = graphene.Boolean(required=True)
    options = graphene.List(graphene.NonNull(PollOptionNode), required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> PollView | None:
        return _poll_view(info, pk)

    @staticmethod
    def resolve_id(view: PollView, info):
        return view.pk

    @staticmethod
    def resolve_post(view: PollView, info):
        return view.post

    @staticmethod
    def resolve_results_visible(view: PollView, info):
        return view.sees_results

    @staticmethod
    def resolve_viewer_has_voted(view: PollView, info):
        return view.viewer_voted

    @staticmethod
    def resolve_viewer_can_vote(view: PollView, info):
        return view.may_vote


class PollInput(graphene.InputObjectType):
    """A poll to publish with a post."""

    options = graphene.List(graphene.NonNull(graphene.String), required=True,
                            description="2 到 10 个选项，每个最多 50 字，不能重复")
    closes_at = graphene.DateTime(required=True,
                                  description="截止时间：5 分钟之后到 90 天之内")
    multiple = graphene.Boolean(description="多选，默认单选")
    anonymous = graphene.Boolean(description="匿名投票，默认实名")
    results_hidden = graphene.Boolean(description="截止前隐藏结果（发起人自己能看到）")


class ReadReceipt(graphene.ObjectType):
    user = graphene.Field(UserNode, required=True)
    read_at = graphene.DateTime(required=True)


class ReadReceipts(graphene.ObjectType):
    """Who of the group's members has read an announcement (its owner and admins only)."""

    read_count = graphene.Int(required=True)
    unread_count = graphene.Int(required=True)
    read = graphene.List(graphene.NonNull(ReadReceipt), required=True,
                         description="已读的成员，最近读的在前")
    unread = graphene.List(graphene.NonNull(UserNode), required=True, description="未读的成员")
    last_reminded_at = graphene.DateTime(description="上次提醒未读成员的时间")

    @staticmethod
    def resolve_read(receipts, info):
        return [ReadReceipt(user=user, read_at=read_at) for user, read_at in receipts.read]


"""The root query fields of feeds: timelines, topics, a post."""

from __future__ import annotations

import graphene

from feeds import selectors
from feeds.schema.loaders import queue_posts
from feeds.schema.nodes import (
    PostConnection,
    PostNode,
    TopicNode,
    page_size,
    post_from_input,
    posts_connection,
)
from yiban_core.accounts import selectors as account_selectors
from yiban_core.accounts.schema import school_from_input
from yiban_core.graphql.connections import connection_field
from yiban_core.graphql.errors import input_fields
from yiban_core.graphql.scopes import NO_SCOPE, ScopedField
from yiban_core.groups.schema import group_from_input


class Query(graphene.ObjectType):
    home_timeline = connection_field(
        PostConnection, "首页：关注的人、我的群和学校官方群的动态，最新的在前（需登录）",
        scope="feed:read",
    )
    group_timeline = connection_field(
        PostConnection, "群里的动态，最新的在前；私密群只有成员能看",
        group_id=graphene.ID(required=True), scope=("feed:read", "groups:read"),
    )
    group_announcements = ScopedField(
        graphene.List(graphene.NonNull(PostNode)), group_id=graphene.ID(required=True),
        description="群公告：最近设置的 5 条", scope=("feed:read", "groups:read"),
    )
    user_timeline = connection_field(
        PostConnection, "某人发的动态（群内动态除外）中你能看到的，最新的在前",
        username=graphene.String(required=True), scope=("feed:read", "profile"),
    )
    topic = ScopedField(TopicNode, name=graphene.String(required=True),
                        description="按名称找话题（不分大小写）", scope=NO_SCOPE)
    topic_timeline = connection_field(
        PostConnection, "带这个话题、你能看到的动态，最新的在前",
        name=graphene.String(required=True), scope="feed:read",
    )
    trending_topics = ScopedField(
        graphene.List(graphene.NonNull(TopicNode)), required=True,
        description="热门话题：过去 24 小时公开动态最多的 10 个", scope="feed:read",
    )
    school_square = connection_field(
        PostConnection, "学校广场：这所学校的人发的、你能看到的动态（群内动态除外）",
        school_id=graphene.ID(required=True), scope="feed:read",
    )
    post = ScopedField(PostNode, id=graphene.ID(required=True),
                       description="一条动态；不存在或你看不到时为 null（NOT_FOUND）",
                       scope="feed:read")

    @staticmethod
    def resolve_home_timeline(root, info, first=None, after=None):
        page = selectors.home_timeline(actor=info.context.actor, first=page_size(first),
                                       after=after)
        return posts_connection(info, page)

    @staticmethod
    def resolve_group_timeline(root, info, group_id, first=None, after=None):
        group = group_from_input(info, group_id)
        page = selectors.group_timeline(actor=info.context.actor, group=group,
                                        first=page_size(first), after=after)
        return posts_connection(info, page)

    @staticmethod
    def resolve_group_announcements(root, info, group_id):
        group = group_from_input(info, group_id)
        posts = selectors.group_announcements(actor=info.context.actor, group=group)
        queue_posts(info, posts)
        return posts

    @staticmethod
    def resolve_user_timeline(root, info, username, first=None, after=None):
        actor = info.context.actor
        user = account_selectors.get_user(actor=actor, username=username)
        page = selectors.user_timeline(actor=actor, user=user, first=page_size(first),
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
                                            first=page_size(first), after=after)
        return posts_connection(info, page)

    @staticmethod
    def resolve_trending_topics(root, info):
        return selectors.trending_topics(actor=info.context.actor)

    @staticmethod
    def resolve_school_square(root, info, school_id, first=None, after=None):
        school = school_from_input(info, school_id)
        page = selectors.school_square(actor=info.context.actor, school=school,
                                       first=page_size(first), after=after)
        return posts_connection(info, page)

    @staticmethod
    def resolve_post(root, info, id):
        with input_fields({"post": "id"}):
            post = post_from_input(info, id, field="id")
        queue_posts(info, [post])
        return post

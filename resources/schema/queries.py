"""The root query fields of resources, courses and the leaderboards."""

from __future__ import annotations

import graphene

from resources import selectors
from resources.schema.leaderboards import (
    DEFAULT_BOARD_ROWS,
    MAX_BOARD_ROWS,
    Leaderboard,
    LeaderboardKind,
    LeaderboardWindow,
    board_size,
    group_board,
    people_board,
    resource_board,
)
from resources.schema.nodes import (
    CourseConnection,
    CourseNode,
    ResourceConnection,
    ResourceNode,
    ResourceSort,
    ResourceSubject,
    course_from_input,
    resource_from_input,
    resources_connection,
)
from yiban_core.accounts.schema import school_from_input
from yiban_core.graphql.connections import connection_field, resolve_connection
from yiban_core.graphql.enums import enum_value
from yiban_core.graphql.scopes import NO_SCOPE, ScopedField


class Query(graphene.ObjectType):
    resources = connection_field(
        ResourceConnection, "资源库：按学校、课程、学科、标签筛选，你能看到的资源",
        query=graphene.String(description="标题或简介里的字"),
        school_id=graphene.ID(),
        course_id=graphene.ID(),
        subject=graphene.Argument(ResourceSubject),
        tag=graphene.String(),
        sort=graphene.Argument(ResourceSort, description="默认 NEWEST"),
        scope="resources:read",
    )
    resource = ScopedField(ResourceNode, id=graphene.ID(required=True),
                           description="一个资源；不存在或你看不到时为 null（NOT_FOUND）",
                           scope="resources:read")
    course = ScopedField(CourseNode, id=graphene.ID(required=True), scope="resources:read")
    courses = connection_field(
        CourseConnection, "课程：按学校筛选、按代码或名称搜索",
        school_id=graphene.ID(),
        query=graphene.String(description="课程代码或名称里的字"),
        scope="resources:read",
    )
    leaderboard = ScopedField(
        Leaderboard,
        kind=graphene.Argument(LeaderboardKind, required=True),
        window=graphene.Argument(LeaderboardWindow, description="默认 ALL"),
        school_id=graphene.ID(description="PEOPLE、资源榜和 GROUPS 榜：只看这所学校"),
        group_id=graphene.ID(description="PEOPLE 榜：只看这个群的成员（私密群只有成员能看）"),
        course_id=graphene.ID(description="资源榜：只看这门课"),
        subject=graphene.Argument(ResourceSubject, description="资源榜：只看这个学科"),
        first=graphene.Int(description=f"行数，1 到 {MAX_BOARD_ROWS}，默认 {DEFAULT_BOARD_ROWS}"),
        description="排行榜：人（网薪）、资源（评分或下载）、群（活跃度）；"
        "范围：全站、学校、群（人）、课程或学科（资源）",
        scope={"resource boards": "resources:read", "group boards": "groups:read",
               "people boards": NO_SCOPE},
    )

    @staticmethod
    def resolve_resources(root, info, first=None, after=None, query="", school_id=None,
                          course_id=None, subject=None, tag="", sort=None):
        school = school_from_input(info, school_id) if school_id else None
        course = course_from_input(info, course_id) if course_id else None
        qs = selectors.browse(
            actor=info.context.actor, query=query or "", school_id=school.pk if school else None,
            course_id=course.pk if course else None, subject=enum_value(subject),
            tag=tag or "", sort=enum_value(sort) or "newest",
        )
        return resources_connection(info, qs, first, after)

    @staticmethod
    def resolve_resource(root, info, id):
        return resource_from_input(info, id, field="id")

    @staticmethod
    def resolve_course(root, info, id):
        return course_from_input(info, id, field="id")

    @staticmethod
    def resolve_courses(root, info, first=None, after=None, school_id=None, query=""):
        school = school_from_input(info, school_id) if school_id else None
        qs = selectors.courses(actor=info.context.actor, school_id=school.pk if school else None,
                               query=query or "")
        return resolve_connection(CourseConnection, qs, first=first, after=after)

    @staticmethod
    def resolve_leaderboard(root, info, kind, window=None, school_id=None, group_id=None,
                            course_id=None, subject=None, first=None):
        kind, window = enum_value(kind), enum_value(window) or "all"
        count = board_size(first)
        scope = {"school_id": school_id, "group_id": group_id, "course_id": course_id,
                 "subject": enum_value(subject)}
        if kind == "people":
            board = people_board(info, window, count, **scope)
        elif kind == "groups":
            board = group_board(info, window, count, **scope)
        else:
            if kind == "score":
                window = "all"  # ratings have no time window
            board = resource_board(info, kind, window, count, **scope)
        return Leaderboard(kind=kind, window=window, **board)

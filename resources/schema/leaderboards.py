"""The leaderboards of people, resources and groups: their types and how each kind is read."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from feeds import boards as group_boards
from resources import boards as resource_boards
from resources.schema.loaders import MyRatings
from resources.schema.nodes import ResourceNode, course_from_input
from yiban_core.accounts.schema import UserNode, school_from_input
from yiban_core.credits import selectors as credit_selectors
from yiban_core.errors import Invalid
from yiban_core.groups.schema import GroupNode, ViewerRoles, group_from_input


class LeaderboardKind(graphene.Enum):
    """What a leaderboard ranks."""

    PEOPLE = "people"
    RESOURCES_BY_SCORE = "score"
    RESOURCES_BY_DOWNLOADS = "downloads"
    GROUPS = "groups"


class LeaderboardWindow(graphene.Enum):
    """The time a leaderboard counts (in the site's time zone)."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    ALL = "all"


MAX_BOARD_ROWS = 100
DEFAULT_BOARD_ROWS = 20


class LeaderboardRow(graphene.ObjectType):
    """One place on a board: the person, resource or group (by the board's kind)."""

    rank = graphene.Int(required=True, description="名次，从 1 起；同分时 ID 小的在前")
    points = graphene.Int(
        required=True,
        description="网薪（PEOPLE）、下载次数（RESOURCES_BY_DOWNLOADS）、发帖数（GROUPS），"
        "或贝叶斯分 × 1,000,000（RESOURCES_BY_SCORE）",
    )
    score = graphene.Float(description="贝叶斯平均分（只有 RESOURCES_BY_SCORE）")
    user = graphene.Field(UserNode, description="PEOPLE 榜的人")
    resource = graphene.Field(ResourceNode, description="资源榜的资源")
    group = graphene.Field(GroupNode, description="GROUPS 榜的群")


class Leaderboard(graphene.ObjectType):
    """A ranking and, on people boards, where the viewer stands."""

    kind = graphene.Field(LeaderboardKind, required=True)
    window = graphene.Field(LeaderboardWindow, required=True,
                            description="RESOURCES_BY_SCORE 总是 ALL（评分不分时段）")
    rows = graphene.List(graphene.NonNull(LeaderboardRow), required=True)
    viewer_rank = graphene.Int(
        description="PEOPLE 榜上当前用户的名次（在榜单之外也给出）；没有积分或不是 PEOPLE 榜为 null"
    )
    viewer_points = graphene.Int(description="PEOPLE 榜上当前用户在这个时段的网薪")


def board_size(first: int | None) -> int:
    if first is not None and not 1 <= first <= MAX_BOARD_ROWS:
        raise Invalid(_("first 须在 1 到 %(max)d 之间") % {"max": MAX_BOARD_ROWS}, field="first")
    return first or DEFAULT_BOARD_ROWS


def _refuse(field: str, value, kind: str) -> None:
    if value:
        raise Invalid(_("%(kind)s 榜不按这个范围筛选") % {"kind": kind}, field=field)


def people_board(info, window, count, school_id, group_id, course_id, subject) -> dict:
    _refuse("courseId", course_id, "PEOPLE")
    _refuse("subject", subject, "PEOPLE")
    if school_id and group_id:
        raise Invalid(_("学校和群只能选一个"), field="groupId")
    school = school_from_input(info, school_id) if school_id else None
    group = group_from_input(info, group_id) if group_id else None
    board = credit_selectors.people_board(actor=info.context.actor, window=window,
                                          school=school, group=group, count=count)
    rows = [LeaderboardRow(rank=ranked.rank, points=ranked.points, user=user)
            for ranked, user in board["rows"]]
    return {"rows": rows, "viewer_rank": board["viewer_rank"],
            "viewer_points": board["viewer_points"] if info.context.actor.user else None}


def resource_board(info, metric, window, count, school_id, group_id, course_id,
                    subject) -> dict:
    _refuse("groupId", group_id, "RESOURCES")
    if len([x for x in (school_id, course_id, subject) if x]) > 1:
        raise Invalid(_("学校、课程和学科只能选一个"), field="courseId")
    scope = {}
    if school_id:
        scope["school_id"] = school_from_input(info, school_id).pk
    if course_id:
        scope["course_id"] = course_from_input(info, course_id).pk
    if subject:
        scope["subject"] = subject
    board = resource_boards.leaderboard(actor=info.context.actor, metric=metric, window=window,
                                        count=count, **scope)
    rows = [LeaderboardRow(rank=rank, points=points, resource=resource,
                           score=points / resource_boards.SCORE_SCALE if metric == "score"
                           else None)
            for rank, resource, points in board]
    MyRatings.of(info).queue(row.resource for row in rows)
    return {"rows": rows, "viewer_rank": None, "viewer_points": None}


def group_board(info, window, count, school_id, group_id, course_id, subject) -> dict:
    _refuse("groupId", group_id, "GROUPS")
    _refuse("courseId", course_id, "GROUPS")
    _refuse("subject", subject, "GROUPS")
    school = school_from_input(info, school_id) if school_id else None
    board = group_boards.leaderboard(actor=info.context.actor, window=window, count=count,
                                     school_id=school.pk if school else None)
    rows = [LeaderboardRow(rank=rank, points=points, group=group)
            for rank, group, points in board]
    ViewerRoles.of(info).queue(row.group for row in rows)
    return {"rows": rows, "viewer_rank": None, "viewer_points": None}

"""GraphQL types, queries and mutations of resources (课程超市), courses, ratings and
reviews, and the leaderboards (people, resources, groups).

Thin: parse the input, call a resources selector or service with the request's
actor, shape the output. Who sees what is decided in resources.selectors only
(and the scopes resources:read / resources:write are checked there and in the
services): a resource the viewer may not see is null from `node(id:)` and null
with NOT_FOUND from `resource(id:)`, exactly like one that does not exist.

Files are uploaded through the web form (GraphQL multipart uploads are not set
up): `publishResource` and `addResourceVersion` take links only, and a file
version's `downloadUrl` is the web download path, served as an attachment.

A page of resources costs a fixed number of queries whatever its size: the
selector joins owner, course and school, group and the current version with its
blob, and prefetches the tags; the viewer's own ratings of the page's resources
(`myRating`) are read in one query into the request memo (`_prime_my_ratings`),
and likewise whether the viewer marked a page of reviews helpful.

The leaderboards are one query, `leaderboard(kind:)`, assembled here because
this app sits above the others: people by points (yiban_core.credits), resources
by Bayesian score or downloads (resources.boards), groups by posts
(feeds.boards). A board of 100 rows loads its users, resources or groups in one
query.
"""

from __future__ import annotations

from collections.abc import Iterable

import graphene
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _

from feeds import boards as group_boards
from feeds.schema import PostNode
from resources import boards as resource_boards
from resources import rules, selectors, services
from resources.models import (
    Course,
    Licence,
    Rating,
    Resource,
    ResourceVersion,
    Subject,
    Visibility,
)
from yiban_core.accounts.schema import SchoolNode, UserNode, school_from_input
from yiban_core.credits import selectors as credit_selectors
from yiban_core.errors import Invalid
from yiban_core.graphql.cache import request_memo
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum, enum_value
from yiban_core.graphql.errors import DomainMutation, input_fields
from yiban_core.graphql.relay import Node, decode_global_id, global_id
from yiban_core.groups.schema import GroupNode, _prime_viewer_roles, group_from_input

ResourceSubject = choices_enum("ResourceSubject", Subject, "资源的学科")
ResourceLicence = choices_enum(
    "ResourceLicence", Licence, "许可协议：CC BY 4.0 等知识共享协议，或保留所有权利"
)
ResourceVisibility = choices_enum(
    "ResourceVisibility", Visibility, "资源的可见范围：公开、本校可见、群内可见"
)
ResourceKind = choices_enum("ResourceKind", Resource.Kind, "资源是文件还是链接")


class ResourceSort(graphene.Enum):
    """How the library is ordered."""

    NEWEST = "newest"
    BEST = "best"
    DOWNLOADS = "downloads"

    @property
    def description(self):
        return {
            ResourceSort.NEWEST: "最新的在前",
            ResourceSort.BEST: "评分最高的在前（贝叶斯平均分）",
            ResourceSort.DOWNLOADS: "下载最多的在前",
        }.get(self)


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


# --- input and errors --------------------------------------------------------------------

# Services name what they looked up; the input gives it by ID (or, for links, as url).
_INPUT_FIELDS = {"resource": "resource_id", "rating": "rating_id", "course": "course_id",
                 "group": "group_id", "file": "url"}


def _resource_pk(value, field: str = "resourceId") -> int:
    return decode_global_id(value, expected="Resource", field=field)


def resource_from_input(info, value, field: str = "resourceId") -> Resource:
    pk = _resource_pk(value, field=field)
    with input_fields({"resource": field}):
        return selectors.get_resource(actor=info.context.actor, pk=pk)


def course_from_input(info, value, field: str = "courseId") -> Course:
    pk = decode_global_id(value, expected="Course", field=field)
    with input_fields({"course": field}):
        return selectors.get_course(actor=info.context.actor, pk=pk)


def download_path(resource_id: int) -> str:
    """The web page that sends a resource's current file as an attachment."""
    try:
        return reverse("resource_download", args=[resource_id])
    except NoReverseMatch:  # the page is not wired up yet: the path it will have
        return f"/resources/{resource_id}/download/"


# --- batching what depends on the viewer ------------------------------------------------


def _my_ratings(info) -> dict[int, Rating | None]:
    return request_memo(info, "my_resource_ratings")


def _marked_helpful(info) -> dict[int, bool]:
    return request_memo(info, "marked_helpful")


def _prime_my_ratings(info, resources: Iterable[Resource]) -> None:
    """One query for the viewer's own ratings of a whole page of (visible) resources."""
    user = info.context.actor.user
    mine = _my_ratings(info)
    ids = [r.pk for r in resources if r.pk not in mine]
    if not ids:
        return
    found = {}
    if user is not None:
        found = {rating.resource_id: rating for rating in
                 Rating.objects.filter(user=user, resource_id__in=ids).select_related("user")}
    for pk in ids:
        mine[pk] = found.get(pk)


def _prime_marked_helpful(info, ratings: Iterable[Rating]) -> None:
    """One query for which of a page of reviews the viewer marked helpful."""
    marked = _marked_helpful(info)
    ids = [r.pk for r in ratings if r.pk not in marked]
    if not ids:
        return
    found = selectors.helpful_marked_ids(actor=info.context.actor, rating_ids=ids)
    for pk in ids:
        marked[pk] = pk in found


def resources_connection(info, qs, first, after) -> ResourceConnection:
    result = resolve_connection(ResourceConnection, qs, first=first, after=after)
    _prime_my_ratings(info, [edge.node for edge in result.edges])
    return result


# --- types --------------------------------------------------------------------------------


class ResourceVersionType(graphene.ObjectType):
    """One version of a resource; the old ones stay in the history."""

    class Meta:
        name = "ResourceVersion"
        possible_types = (ResourceVersion,)

    number = graphene.Int(required=True, description="版本号，从 1 起")
    filename = graphene.String(description="下载时的文件名；链接资源为 null")
    size = graphene.Int(description="文件大小（字节）；链接资源为 null")
    content_type = graphene.String(description="按内容识别的类型；链接资源为 null")
    url = graphene.String(description="链接资源这个版本的链接；文件资源为 null")
    note = graphene.String(required=True, description="更新说明")
    created_at = graphene.DateTime(required=True)
    download_url = graphene.String(
        description="网页下载地址（路径，以附件发送资源的当前版本）；"
        "只有文件资源的当前版本才有，其余为 null"
    )

    @staticmethod
    def resolve_filename(version: ResourceVersion, info) -> str | None:
        return version.filename or None if version.blob_id else None

    @staticmethod
    def resolve_size(version: ResourceVersion, info) -> int | None:
        return version.blob.size if version.blob_id else None

    @staticmethod
    def resolve_content_type(version: ResourceVersion, info) -> str | None:
        return version.blob.content_type if version.blob_id else None

    @staticmethod
    def resolve_url(version: ResourceVersion, info) -> str | None:
        return version.url or None

    @staticmethod
    def resolve_download_url(version: ResourceVersion, info) -> str | None:
        if version.blob_id is None:
            return None
        # The resource holding the version is cached (it was read through it), so no query.
        if version.resource.current_id != version.pk:
            return None
        return download_path(version.resource_id)


class RatingNode(graphene.ObjectType):
    """A rating (1 to 5 stars) with an optional review; one per person per resource."""

    class Meta:
        name = "Rating"
        interfaces = (Node,)
        possible_types = (Rating,)

    stars = graphene.Int(required=True, description="1 到 5 星")
    review = graphene.String(required=True, description="评价原文，不是 HTML：显示时请转义")
    helpful_count = graphene.Int(required=True, description="觉得有用的人数")
    user = graphene.Field(UserNode, required=True)
    viewer_marked_helpful = graphene.Boolean(required=True,
                                             description="当前用户标记过这条评价有用")
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)

    @classmethod
    def get_node(cls, info, pk: int) -> Rating | None:
        rating = Rating.objects.select_related("user").filter(pk=pk).first()
        if rating is None:
            return None
        selectors.get_resource(actor=info.context.actor, pk=rating.resource_id)  # null if hidden
        if not rating.review and rating.user_id != info.context.actor.user_id:
            return None  # a bare rating is shown only in its sum, and to its author
        return rating

    @staticmethod
    def resolve_viewer_marked_helpful(rating: Rating, info) -> bool:
        marked = _marked_helpful(info)
        if rating.pk not in marked:
            _prime_marked_helpful(info, [rating])
        return marked[rating.pk]


class RatingConnection(Connection):
    class Meta:
        node = RatingNode


class ResourceNode(graphene.ObjectType):
    """A learning resource: a file or a link, with a subject, tags, maybe a course."""

    class Meta:
        name = "Resource"
        interfaces = (Node,)
        possible_types = (Resource,)

    title = graphene.String(required=True)
    description = graphene.String(required=True, description="原文，不是 HTML：显示时请转义")
    kind = graphene.Field(ResourceKind, required=True)
    url = graphene.String(description="链接资源的链接；文件资源为 null")
    subject = graphene.Field(ResourceSubject, required=True)
    tags = graphene.List(graphene.NonNull(graphene.String), required=True)
    course = graphene.Field(lambda: CourseNode)
    licence = graphene.Field(ResourceLicence, required=True)
    visibility = graphene.Field(ResourceVisibility, required=True)
    group = graphene.Field(GroupNode, description="群内资源所在的群；其他为 null")
    owner = graphene.Field(UserNode, required=True, description="上传者")
    current_version = graphene.Field(ResourceVersionType)
    versions = graphene.List(graphene.NonNull(ResourceVersionType), required=True,
                             description="所有版本，最新的在前")
    download_count = graphene.Int(required=True, description="下载次数（每人每天计一次）")
    rating_count = graphene.Int(required=True)
    rating_average = graphene.Float(description="平均星级；还没有评分为 null")
    bayesian_score = graphene.Float(
        required=True, description="排名用的贝叶斯平均分（评分少时向全站平均靠拢）；未评分为 0"
    )
    my_rating = graphene.Field(RatingNode, description="当前用户的评分；没评过为 null")
    reviews = connection_field(RatingConnection, "带文字的评价，最有用的在前")
    created_at = graphene.DateTime(required=True)
    updated_at = graphene.DateTime(required=True)
    viewer_can_change = graphene.Boolean(required=True,
                                         description="当前用户能否修改它、上传新版本（上传者）")
    viewer_can_delete = graphene.Boolean(required=True, description="当前用户能否删除它")
    viewer_can_rate = graphene.Boolean(required=True, description="当前用户能否给它评分")

    @classmethod
    def get_node(cls, info, pk: int) -> Resource:
        return selectors.get_resource(actor=info.context.actor, pk=pk)

    @staticmethod
    def resolve_url(resource: Resource, info) -> str | None:
        return resource.url if resource.kind == Resource.Kind.LINK else None

    @staticmethod
    def resolve_tags(resource: Resource, info) -> list[str]:
        return [tag.name for tag in resource.tags.all()]  # prefetched by the selector

    @staticmethod
    def resolve_current_version(resource: Resource, info) -> ResourceVersion | None:
        version = resource.current
        if version is not None:
            version.resource = resource  # so downloadUrl needs no query
        return version

    @staticmethod
    def resolve_versions(resource: Resource, info) -> list[ResourceVersion]:
        return list(selectors.versions(actor=info.context.actor, resource=resource))

    @staticmethod
    def resolve_rating_average(resource: Resource, info) -> float | None:
        return resource.rating_average

    @staticmethod
    def resolve_my_rating(resource: Resource, info) -> Rating | None:
        mine = _my_ratings(info)
        if resource.pk not in mine:
            _prime_my_ratings(info, [resource])
        return mine[resource.pk]

    @staticmethod
    def resolve_viewer_can_change(resource: Resource, info) -> bool:
        return rules.may_change(info.context.actor, resource)

    @staticmethod
    def resolve_viewer_can_delete(resource: Resource, info) -> bool:
        return rules.may_delete(info.context.actor, resource, _viewer_role(resource, info))

    @staticmethod
    def resolve_viewer_can_rate(resource: Resource, info) -> bool:
        return rules.may_rate(info.context.actor, resource, _viewer_role(resource, info))

    @staticmethod
    def resolve_reviews(resource: Resource, info, first=None, after=None):
        qs = selectors.reviews(actor=info.context.actor, resource=resource)
        result = resolve_connection(RatingConnection, qs, first=first, after=after)
        _prime_marked_helpful(info, [edge.node for edge in result.edges])
        return result


def _viewer_role(resource: Resource, info) -> str | None:
    """The viewer's role in the resource's group, remembered per request with the groups'."""
    return GroupNode.resolve_viewer_role(resource.group, info) if resource.group_id else None


class ResourceConnection(Connection):
    class Meta:
        node = ResourceNode


class CourseNode(graphene.ObjectType):
    """A course at a school (school + course code + name); its page lists its resources."""

    class Meta:
        name = "Course"
        interfaces = (Node,)
        possible_types = (Course,)

    code = graphene.String(required=True, description="课程代码（大写）")
    name = graphene.String(required=True)
    school = graphene.Field(SchoolNode, required=True)
    resources = connection_field(
        ResourceConnection, "这门课你能看到的资源",
        sort=graphene.Argument(ResourceSort, description="默认 NEWEST"),
    )

    @classmethod
    def get_node(cls, info, pk: int) -> Course:
        return selectors.get_course(actor=info.context.actor, pk=pk)

    @staticmethod
    def resolve_resources(course: Course, info, first=None, after=None, sort=None):
        qs = selectors.browse(actor=info.context.actor, course_id=course.pk,
                              sort=enum_value(sort) or "newest")
        return resources_connection(info, qs, first, after)


class CourseConnection(Connection):
    class Meta:
        node = CourseNode


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


# --- leaderboards -------------------------------------------------------------------------


def _board_size(first: int | None) -> int:
    if first is not None and not 1 <= first <= MAX_BOARD_ROWS:
        raise Invalid(_("first 须在 1 到 %(max)d 之间") % {"max": MAX_BOARD_ROWS}, field="first")
    return first or DEFAULT_BOARD_ROWS


def _refuse(field: str, value, kind: str) -> None:
    if value:
        raise Invalid(_("%(kind)s 榜不按这个范围筛选") % {"kind": kind}, field=field)


def _people_board(info, window, count, school_id, group_id, course_id, subject) -> dict:
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


def _resource_board(info, metric, window, count, school_id, group_id, course_id,
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
    _prime_my_ratings(info, [row.resource for row in rows])
    return {"rows": rows, "viewer_rank": None, "viewer_points": None}


def _group_board(info, window, count, school_id, group_id, course_id, subject) -> dict:
    _refuse("groupId", group_id, "GROUPS")
    _refuse("courseId", course_id, "GROUPS")
    _refuse("subject", subject, "GROUPS")
    school = school_from_input(info, school_id) if school_id else None
    board = group_boards.leaderboard(actor=info.context.actor, window=window, count=count,
                                     school_id=school.pk if school else None)
    rows = [LeaderboardRow(rank=rank, points=points, group=group)
            for rank, group, points in board]
    _prime_viewer_roles(info, [row.group for row in rows])
    return {"rows": rows, "viewer_rank": None, "viewer_points": None}


# --- queries ------------------------------------------------------------------------------


class Query(graphene.ObjectType):
    resources = connection_field(
        ResourceConnection, "资源库：按学校、课程、学科、标签筛选，你能看到的资源",
        query=graphene.String(description="标题或简介里的字"),
        school_id=graphene.ID(),
        course_id=graphene.ID(),
        subject=graphene.Argument(ResourceSubject),
        tag=graphene.String(),
        sort=graphene.Argument(ResourceSort, description="默认 NEWEST"),
    )
    resource = graphene.Field(ResourceNode, id=graphene.ID(required=True),
                              description="一个资源；不存在或你看不到时为 null（NOT_FOUND）")
    course = graphene.Field(CourseNode, id=graphene.ID(required=True))
    courses = connection_field(
        CourseConnection, "课程：按学校筛选、按代码或名称搜索",
        school_id=graphene.ID(),
        query=graphene.String(description="课程代码或名称里的字"),
    )
    leaderboard = graphene.Field(
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
        resource = resource_from_input(info, id, field="id")
        _prime_my_ratings(info, [resource])
        return resource

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
        count = _board_size(first)
        scope = {"school_id": school_id, "group_id": group_id, "course_id": course_id,
                 "subject": enum_value(subject)}
        if kind == "people":
            board = _people_board(info, window, count, **scope)
        elif kind == "groups":
            board = _group_board(info, window, count, **scope)
        else:
            if kind == "score":
                window = "all"  # ratings have no time window
            board = _resource_board(info, kind, window, count, **scope)
        return Leaderboard(kind=kind, window=window, **board)


# --- mutations ----------------------------------------------------------------------------


class ResourceMutation(DomainMutation):
    """A mutation whose errors name the input field (resourceId, not resource)."""

    error_fields = _INPUT_FIELDS

    class Meta:
        abstract = True


def _link_resource(info, resource_id) -> Resource:
    resource = resource_from_input(info, resource_id)
    if resource.kind != Resource.Kind.LINK:
        raise Invalid(_("文件资源的新版本请在网页上上传"), field="resourceId")
    return resource


class PublishResource(ResourceMutation):
    """Publish a LINK resource. Files are uploaded through the web form (GraphQL multipart
    uploads are not set up). With groupId it is a group resource (members only)."""

    class Input:
        title = graphene.String(required=True, description="最多 120 字")
        url = graphene.String(required=True, description="http:// 或 https:// 开头的链接")
        subject = graphene.Field(ResourceSubject, required=True)
        description = graphene.String(description="最多 5000 字")
        tags = graphene.List(graphene.NonNull(graphene.String), description="最多 8 个")
        licence = graphene.Field(ResourceLicence, description="默认 CC_BY")
        visibility = graphene.Field(ResourceVisibility,
                                    description="默认 PUBLIC；有 groupId 时为 GROUP")
        group_id = graphene.ID(description="分享到哪个群（须是成员）")
        course_id = graphene.ID(description="所属课程")
        course_code = graphene.String(
            description="没有 courseId 时：本校的课程代码（第一次提到时用 courseName 建课）"
        )
        course_name = graphene.String()

    resource = graphene.Field(ResourceNode)

    @classmethod
    def perform(cls, info, actor, title, url, subject, description="", tags=None, licence=None,
            visibility=None, group_id=None, course_id=None, course_code=None, course_name=None):
        group = group_from_input(info, group_id) if group_id else None
        course = None
        if course_id:
            course = course_from_input(info, course_id)
        elif course_code:
            user = actor.require_user()
            if user.school is None:
                raise Invalid(_("设置学校后才能填写课程"), field="courseCode")
            course = services.course_for(school=user.school, code=course_code,
                                         name=course_name or "")
        resource = services.publish_resource(
            actor=actor, title=title, url=url or "", subject=enum_value(subject),
            description=description or "", tags=tags or (),
            licence=enum_value(licence) or Licence.CC_BY,
            visibility=enum_value(visibility) or Visibility.PUBLIC, group=group, course=course,
        )
        return {"resource": selectors.get_resource(actor=actor, pk=resource.pk)}


class AddResourceVersion(ResourceMutation):
    """A new version of one's own LINK resource (file versions: through the web form)."""

    class Input:
        resource_id = graphene.ID(required=True)
        url = graphene.String(required=True)
        note = graphene.String(description="更新说明，最多 200 字")

    version = graphene.Field(ResourceVersionType)
    resource = graphene.Field(ResourceNode)

    @classmethod
    def perform(cls, info, actor, resource_id, url, note=""):
        resource = _link_resource(info, resource_id)
        version = services.add_version(actor=actor, resource_id=resource.pk, url=url or "",
                                       note=note or "")
        resource = selectors.get_resource(actor=actor, pk=resource.pk)
        version.resource = resource
        return {"version": version, "resource": resource}


class UpdateResource(ResourceMutation):
    """Change one's own resource; fields left out stay as they are."""

    class Input:
        resource_id = graphene.ID(required=True)
        title = graphene.String()
        description = graphene.String()
        subject = graphene.Field(ResourceSubject)
        licence = graphene.Field(ResourceLicence)
        tags = graphene.List(graphene.NonNull(graphene.String), description="整体替换")

    resource = graphene.Field(ResourceNode)

    @classmethod
    def perform(cls, info, actor, resource_id, title=None, description=None, subject=None,
            licence=None, tags=None):
        pk = _resource_pk(resource_id)
        services.update_resource(actor=actor, resource_id=pk, title=title,
                                 description=description, subject=enum_value(subject),
                                 licence=enum_value(licence), tags=tags)
        return {"resource": selectors.get_resource(actor=actor, pk=pk)}


class DeleteResource(ResourceMutation):
    """Delete a resource (its owner, the group's managers, or a site moderator); the
    points it earned are taken back."""

    class Input:
        resource_id = graphene.ID(required=True)

    deleted_resource_id = graphene.ID()

    @classmethod
    def perform(cls, info, actor, resource_id):
        pk = _resource_pk(resource_id)
        services.delete_resource(actor=actor, resource_id=pk)
        return {"deleted_resource_id": global_id("Resource", pk)}


class RateResource(ResourceMutation):
    """1 to 5 stars and an optional review; rating again updates one's rating. Not one's
    own resource; a group resource only by the group's members."""

    class Input:
        resource_id = graphene.ID(required=True)
        stars = graphene.Int(required=True, description="1 到 5")
        review = graphene.String(description="最多 2000 字")

    rating = graphene.Field(RatingNode)
    resource = graphene.Field(ResourceNode, description="评分数和平均分已更新的资源")

    @classmethod
    def perform(cls, info, actor, resource_id, stars, review=""):
        pk = _resource_pk(resource_id)
        rating = services.rate_resource(actor=actor, resource_id=pk, stars=stars,
                                        review=review or "")
        return {"rating": rating, "resource": selectors.get_resource(actor=actor, pk=pk)}


class MarkReviewHelpful(ResourceMutation):
    """Mark someone else's review helpful; marking it again is CONFLICT."""

    class Input:
        rating_id = graphene.ID(required=True)

    rating = graphene.Field(RatingNode)

    @classmethod
    def perform(cls, info, actor, rating_id):
        pk = decode_global_id(rating_id, expected="Rating", field="ratingId")
        return {"rating": services.mark_helpful(actor=actor, rating_id=pk)}


class ShareResource(ResourceMutation):
    """Share a resource as a post: into a group (groupId) or one's own timeline. A group
    resource only into its group, a school resource only as a school-visible post."""

    class Input:
        resource_id = graphene.ID(required=True)
        text = graphene.String(description="分享时说的话，可以为空")
        group_id = graphene.ID()

    post = graphene.Field(PostNode, description="分享出的动态")

    @classmethod
    def perform(cls, info, actor, resource_id, text="", group_id=None):
        group = group_from_input(info, group_id) if group_id else None
        share = services.share_resource(actor=actor, resource_id=_resource_pk(resource_id),
                                        text=text or "", group=group)
        return {"post": share.post}


class Mutation(graphene.ObjectType):
    publish_resource = PublishResource.Field()
    add_resource_version = AddResourceVersion.Field()
    update_resource = UpdateResource.Field()
    delete_resource = DeleteResource.Field()
    rate_resource = RateResource.Field()
    mark_review_helpful = MarkReviewHelpful.Field()
    share_resource = ShareResource.Field()


types = [ResourceNode, CourseNode, RatingNode]

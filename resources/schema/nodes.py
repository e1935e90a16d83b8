"""The GraphQL types of resources, their versions, courses and ratings."""

from __future__ import annotations

import graphene
from django.urls import NoReverseMatch, reverse

from resources import rules, selectors
from resources.models import (
    Course,
    Licence,
    Rating,
    Resource,
    ResourceVersion,
    Subject,
    Visibility,
)
from resources.schema.loaders import MarkedHelpful, MyRatings
from yiban_core.accounts.schema import SchoolNode, UserNode
from yiban_core.graphql.connections import Connection, connection_field, resolve_connection
from yiban_core.graphql.enums import choices_enum, enum_value
from yiban_core.graphql.errors import input_fields
from yiban_core.graphql.relay import Node, decode_global_id
from yiban_core.groups.schema import GroupNode
from yiban_core.moderation.schema import moderation_state_field, resolve_moderation_state

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


def resource_pk(value, field: str = "resourceId") -> int:
    return decode_global_id(value, expected="Resource", field=field)


def resource_from_input(info, value, field: str = "resourceId") -> Resource:
    pk = resource_pk(value, field=field)
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


def resources_connection(info, qs, first, after) -> ResourceConnection:
    result = resolve_connection(ResourceConnection, qs, first=first, after=after)
    MyRatings.of(info).queue(edge.node for edge in result.edges)
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
    moderation_state = moderation_state_field()

    @staticmethod
    def resolve_moderation_state(rating: Rating, info):
        return resolve_moderation_state(info, rating, rating.user_id)

    @classmethod
    def get_node(cls, info, pk: int) -> Rating | None:
        rating = Rating.objects.select_related("user").filter(pk=pk).first()
        if rating is None:
            return None
        selectors.get_resource(actor=info.context.actor, pk=rating.resource_id)  # null if hidden
        if not rating.review and rating.user_id != info.context.actor.user_id:
            return None  # a bare rating is shown only in its sum, and to its author
        if not selectors.review_is_shown(info.context.actor, rating):
            return None  # held or removed by moderation: its author's only
        return rating

    @staticmethod
    def resolve_viewer_marked_helpful(rating: Rating, info) -> bool:
        return MarkedHelpful.of(info).load(rating)


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
    moderation_state = moderation_state_field()

    @staticmethod
    def resolve_moderation_state(resource: Resource, info):
        return resolve_moderation_state(info, resource, resource.owner_id)
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
        return MyRatings.of(info).load(resource)

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
        MarkedHelpful.of(info).queue(edge.node for edge in result.edges)
        return result


def _viewer_role(resource: Resource, info) -> str | None:
    """The viewer's role in the resource's group, batched with the groups' (ViewerRoles)."""
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

"""The mutations of resources: publishing, versions, ratings, sharing."""

from __future__ import annotations

import graphene
from django.utils.translation import gettext as _

from feeds.schema import PostNode
from resources import selectors, services
from resources.models import (
    Licence,
    Resource,
    Visibility,
)
from resources.schema.nodes import (
    RatingNode,
    ResourceLicence,
    ResourceNode,
    ResourceSubject,
    ResourceVersionType,
    ResourceVisibility,
    course_from_input,
    resource_from_input,
    resource_pk,
)
from yiban_core.errors import Invalid
from yiban_core.graphql.enums import enum_value
from yiban_core.graphql.errors import DomainMutation
from yiban_core.graphql.relay import decode_global_id, global_id
from yiban_core.groups.schema import group_from_input

# Services name what they looked up; the input gives it by ID (or, for links, as url).
INPUT_FIELDS = {"resource": "resource_id", "rating": "rating_id", "course": "course_id",
                 "group": "group_id", "file": "url"}


class ResourceMutation(DomainMutation):
    """A mutation whose errors name the input field (resourceId, not resource)."""

    error_fields = INPUT_FIELDS

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

    scope = ("resources:write", "resources:read")

    class Input:
        title = graphene.String(required=True, description="最多 120 字")
        url = graphene.String(required=True, description="http:// 或 https:// 开头的链接")
        subject = ResourceSubject(required=True)
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

    scope = ("resources:write", "resources:read")

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

    scope = ("resources:write", "resources:read")

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
        pk = resource_pk(resource_id)
        services.update_resource(actor=actor, resource_id=pk, title=title,
                                 description=description, subject=enum_value(subject),
                                 licence=enum_value(licence), tags=tags)
        return {"resource": selectors.get_resource(actor=actor, pk=pk)}


class DeleteResource(ResourceMutation):
    """Delete a resource (its owner, the group's managers, or a site moderator); the
    points it earned are taken back."""

    scope = ("resources:write", "resources:read")

    class Input:
        resource_id = graphene.ID(required=True)

    deleted_resource_id = graphene.ID()

    @classmethod
    def perform(cls, info, actor, resource_id):
        pk = resource_pk(resource_id)
        services.delete_resource(actor=actor, resource_id=pk)
        return {"deleted_resource_id": global_id("Resource", pk)}


class RateResource(ResourceMutation):
    """1 to 5 stars and an optional review; rating again updates one's rating. Not one's
    own resource; a group resource only by the group's members."""

    scope = ("resources:write", "resources:read")

    class Input:
        resource_id = graphene.ID(required=True)
        stars = graphene.Int(required=True, description="1 到 5")
        review = graphene.String(description="最多 2000 字")

    rating = graphene.Field(RatingNode)
    resource = graphene.Field(ResourceNode, description="评分数和平均分已更新的资源")

    @classmethod
    def perform(cls, info, actor, resource_id, stars, review=""):
        pk = resource_pk(resource_id)
        rating = services.rate_resource(actor=actor, resource_id=pk, stars=stars,
                                        review=review or "")
        return {"rating": rating, "resource": selectors.get_resource(actor=actor, pk=pk)}


class MarkReviewHelpful(ResourceMutation):
    """Mark someone else's review helpful; marking it again is CONFLICT."""

    scope = "resources:write"

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

    scope = ("resources:write", "resources:read", "feed:write")

    class Input:
        resource_id = graphene.ID(required=True)
        text = graphene.String(description="分享时说的话，可以为空")
        group_id = graphene.ID()

    post = graphene.Field(PostNode, description="分享出的动态")

    @classmethod
    def perform(cls, info, actor, resource_id, text="", group_id=None):
        group = group_from_input(info, group_id) if group_id else None
        share = services.share_resource(actor=actor, resource_id=resource_pk(resource_id),
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

"""What resources keeps about a person: the resources they shared and each version they
uploaded (the files too), their downloads, ratings and reviews, helpful votes, shares."""

from django.utils.translation import gettext_lazy as _

from resources.models import (
    Download,
    Rating,
    Resource,
    ResourceShare,
    ResourceVersion,
    ReviewHelpful,
)
from yiban_core.privacy.registry import Declaration, declare
from yiban_core.privacy.shapes import file_name, iso, rows


def _version_name(version: ResourceVersion) -> str:
    return file_name(f"resources/resource-{version.resource_id}-v{version.number}",
                     version.filename or version.blob.file.name)


def _version(version: ResourceVersion) -> dict:
    return {"number": version.number, "filename": version.filename, "url": version.url,
            "note": version.note, "created_at": iso(version.created_at),
            "file": _version_name(version) if version.blob_id else None}


def _resource(resource: Resource) -> dict:
    return {
        "id": resource.pk, "kind": resource.get_kind_display(), "title": resource.title,
        "description": resource.description, "url": resource.url,
        "subject": resource.get_subject_display(),
        "course": str(resource.course) if resource.course_id else None,
        "licence": resource.get_licence_display(),
        "visibility": resource.get_visibility_display(),
        "group": resource.group.name if resource.group_id else None,
        "created_at": iso(resource.created_at), "updated_at": iso(resource.updated_at),
        "downloads": resource.download_count, "ratings": resource.rating_count,
        "average_stars": resource.rating_average, "moderation": resource.moderation,
        "versions": [_version(version) for version in resource.versions.all()
                     if version.uploaded_by_id == resource.owner_id],
    }


def _rating(rating: Rating) -> dict:
    return {"resource": rating.resource_id, "stars": rating.stars, "review": rating.review,
            "helpful": rating.helpful_count, "created_at": iso(rating.created_at),
            "updated_at": iso(rating.updated_at), "moderation": rating.moderation}


def export(user) -> dict:
    resources = (Resource.objects.filter(owner=user).select_related("course", "group")
                 .prefetch_related("versions__blob").order_by("pk"))
    return {
        "resources": rows(resources, _resource),
        "ratings": rows(Rating.objects.filter(user=user).order_by("pk"), _rating),
        "downloads": rows(Download.objects.filter(user=user).order_by("pk"),
                          lambda download: {"resource": download.resource_id,
                                            "day": download.day.isoformat()}),
        "helpful_votes": rows(ReviewHelpful.objects.filter(user=user).order_by("pk"),
                              lambda vote: {"rating": vote.rating_id}),
        "shares": rows(ResourceShare.objects.filter(shared_by=user).order_by("pk"),
                       lambda share: {"resource": share.resource_id, "post": share.post_id,
                                      "at": iso(share.created_at)}),
    }


def files(user):
    versions = (ResourceVersion.objects.filter(uploaded_by=user, blob__isnull=False)
                .select_related("blob").order_by("resource_id", "number"))
    for version in versions.iterator(chunk_size=500):
        yield _version_name(version), version.blob.file


declare(Declaration(
    app="resources", title=_("学习资源、评分与评价"),
    models=[Resource, ResourceVersion, Download, Rating, ReviewHelpful, ResourceShare],
    export=export, files=files,
))

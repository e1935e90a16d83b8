"""What a cancelled account leaves in resources (yiban_core/privacy/closure.py).

Deleted content: the person's resources go through the 删除 service (points, the search
index, the boards), and the stored files no other resource shares are removed once the
erasure commits; their ratings and reviews go, with the resource's count, sum and score
taken back. Kept: resources and reviews stay under 已注销用户. Either way their helpful
votes go (the review's count with them), their shares of a resource leave the share list
(the post that shared it is the feeds erasure's), their downloads are forgotten (the
resource's download count stays: the download happened), and the versions they uploaded
to someone else's resource no longer name them."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F

from resources import boards, scoring
from resources import services as resource_services
from resources.models import (
    Blob,
    Download,
    Rating,
    Resource,
    ResourceShare,
    ResourceVersion,
    ReviewHelpful,
)
from yiban_core.actor import Actor
from yiban_core.errors import DomainError
from yiban_core.privacy.registry import erasure
from yiban_core.search.services import index_later


def _delete_resources(user) -> None:
    actor = Actor(user=user)
    blob_ids = set(ResourceVersion.objects.filter(resource__owner=user)
                   .exclude(blob=None).values_list("blob_id", flat=True))
    for resource_id in list(Resource.objects.filter(owner=user).values_list("pk", flat=True)):
        try:
            resource_services.delete_resource(actor=actor, resource_id=resource_id)
        except DomainError:
            Resource.objects.filter(pk=resource_id).delete()
            index_later("resource", resource_id)
    # Bytes are stored once per SHA-256: only those no other resource holds go.
    orphans = list(Blob.objects.filter(pk__in=blob_ids, versions__isnull=True))
    names = [blob.file.name for blob in orphans]
    Blob.objects.filter(pk__in=[blob.pk for blob in orphans]).delete()
    if names:
        storage = Blob._meta.get_field("file").storage

        def delete_files() -> None:
            for name in names:
                storage.delete(name)
        transaction.on_commit(delete_files)


def _delete_ratings(user) -> None:
    mean = scoring.site_mean()
    for rating in list(Rating.objects.filter(user=user)):
        resource = Resource.objects.select_for_update().filter(pk=rating.resource_id).first()
        rating.delete()  # and its helpful votes
        if resource is None:
            continue
        old_points = boards.score_points(resource)
        resource.rating_count = max(resource.rating_count - 1, 0)
        resource.rating_sum = max(resource.rating_sum - rating.stars, 0)
        resource.bayesian_score = scoring.bayesian(resource.rating_sum, resource.rating_count,
                                                   mean)
        resource.save(update_fields=["rating_count", "rating_sum", "bayesian_score"])
        boards.record_score(resource, old_points)
        index_later("resource", resource.pk)


@erasure("resources")
def erase(user, keep_content: bool) -> None:
    if not keep_content:
        _delete_resources(user)
        _delete_ratings(user)
    else:
        for resource_id in Resource.objects.filter(owner=user).values_list("pk", flat=True):
            index_later("resource", resource_id)
    for rating_id in list(ReviewHelpful.objects.filter(user=user)
                          .values_list("rating_id", flat=True)):
        Rating.objects.filter(pk=rating_id).update(helpful_count=F("helpful_count") - 1)
    ReviewHelpful.objects.filter(user=user).delete()
    ResourceShare.objects.filter(shared_by=user).delete()
    Download.objects.filter(user=user).delete()
    ResourceVersion.objects.filter(uploaded_by=user).update(uploaded_by=None)

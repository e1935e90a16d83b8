"""Resources and reviews as moderation targets (yiban_core/moderation/targets.py): loaded
for a reporter through resources' own selectors.

A resource whose state changes is indexed again (ContentStateChanged): a held one leaves the
search index. A held review keeps its stars in the resource's score (the stars say nothing a
moderator holds back; its words do) and is hidden from the reviews list."""

from django.utils.translation import gettext as _

from resources import selectors
from resources.models import Rating, Resource
from yiban_core import events
from yiban_core.errors import NotFound
from yiban_core.moderation.targets import TargetKind, register
from yiban_core.search.services import index_later


def _load_review(actor, pk) -> Rating:
    rating = Rating.objects.select_related("resource").filter(pk=pk).first() if pk else None
    if rating is None:
        raise NotFound(_("评价不存在或你无权查看"), field="targetId")
    selectors.get_resource(actor=actor, pk=rating.resource_id)
    if not selectors.review_is_shown(actor, rating):
        raise NotFound(_("评价不存在或你无权查看"), field="targetId")
    return rating


def register_targets() -> None:
    register(TargetKind(
        model=Resource, type_name="Resource",
        load_visible=lambda actor, pk: selectors.get_resource(actor=actor, pk=pk),
        author_id=lambda resource: resource.owner_id,
        group_id=lambda resource: resource.group_id,
        school_id=lambda resource: resource.school_id,
        excerpt=lambda resource: f"{resource.title} {resource.description}".strip(),
        path=lambda resource: f"/resources/{resource.pk}/",
        hideable=True,
    ))
    register(TargetKind(
        model=Rating, type_name="Rating", load_visible=_load_review,
        author_id=lambda rating: rating.user_id,
        group_id=lambda rating: rating.resource.group_id,
        school_id=lambda rating: rating.resource.school_id,
        excerpt=lambda rating: rating.review or "★" * rating.stars,
        path=lambda rating: f"/resources/{rating.resource_id}/#review-{rating.pk}",
        hideable=True,
    ))


def on_content_state_changed(event: events.ContentStateChanged) -> None:
    if event.model_label == Resource._meta.label_lower:
        index_later("resource", event.target_id)


def connect() -> None:
    events.subscribe(events.ContentStateChanged, on_content_state_changed, durable=True)

"""Resources in the site search (registered in ResourcesConfig.ready)."""

from resources import selectors
from resources.models import Resource
from yiban_core.moderation.models import ContentState
from yiban_core.search.registry import Document, Source, register


def _resource_document(pk: int) -> Document | None:
    resource = (Resource.objects.select_related("course").prefetch_related("tags")
                .filter(pk=pk).first())
    # Held or removed by moderation: out of the index (both backends) until approved.
    if resource is None or resource.moderation != ContentState.VISIBLE:
        return None
    course = f"{resource.course.code} {resource.course.name}" if resource.course else ""
    tags = " ".join(t.name for t in resource.tags.all())
    # Course and tags are found by but not shown: the snippet is the owner's description.
    return Document(
        title=resource.title, body=resource.description, extra=f"{course}\n{tags}".strip(),
        created_at=resource.created_at,
        school_id=resource.course.school_id if resource.course else resource.school_id,
        subject=resource.subject, course_id=resource.course_id,
        rating=resource.bayesian_score, downloads=resource.download_count,
    )


def register_sources() -> None:
    register(Source(
        kind="resource", label="学习资源", document=_resource_document,
        visible_ids=lambda actor, ids: selectors.visible_resource_ids(actor=actor, ids=ids),
        visible=lambda actor: selectors.seen_resources(actor=actor),
        # With the school it was shared in: a result names it.
        load=lambda ids: selectors.with_details(Resource.objects.select_related("school"))
        .in_bulk(ids),
        # A results row: the school or course it was shared in, and its owner's name.
        load_shown=lambda ids: Resource.objects.select_related(
            "school", "course__school", "owner").in_bulk(ids),
        all_ids=lambda: Resource.objects.values_list("pk", flat=True).iterator(),
        scope="resources:read", node="resources.schema.ResourceNode",
        prepare="resources.schema.loaders.prepare_found_resources",
        subject_enum="resources.schema.ResourceSubject",
    ))

"""The worker's side of roster syncs."""

from django_tasks import task

from yiban_core.search.tasks import index_object


@task()
def index_synced(*, kind: str, object_ids: list[int]) -> int:
    """Index what a roster sync wrote in bulk: the search app's index_object for each
    object, in one task, so a batch writes one outbox row instead of one per object
    (index_object re-enqueues an object on its own when Elasticsearch is unreachable)."""
    for object_id in object_ids:
        index_object.call(kind=kind, object_id=object_id)
    return len(object_ids)

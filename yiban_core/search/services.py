from yiban_core.search.tasks import index_object


def index_later(kind: str, object_id: int) -> None:
    """Re-index one object once the caller's transaction commits: the task row is written
    in that transaction (the outbox), so a rolled-back change never reaches the index."""
    index_object.enqueue(kind=kind, object_id=object_id)

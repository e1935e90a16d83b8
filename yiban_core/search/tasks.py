"""Keeping the index current, after the commit of the change (enqueued in its transaction).

The database index is always written: it is what searches fall back to. When
Elasticsearch is configured and unreachable, the same task is enqueued again
with back-off, so nothing is lost. Running a task twice writes the same
document twice.
"""

import logging
from datetime import timedelta

from django.utils import timezone
from django_tasks import task

from yiban_core.search.backends import database_backend, elastic_backend
from yiban_core.search.registry import SOURCES

log = logging.getLogger(__name__)
MAX_ATTEMPTS = 12


def _write(backend, kind: str, object_id: int, document) -> None:
    if document is None:
        backend.delete(kind, object_id)
    else:
        backend.upsert(kind, object_id, document)


@task()
def index_object(*, kind: str, object_id: int, attempt: int = 0) -> bool:
    document = SOURCES[kind].document(object_id)
    _write(database_backend(), kind, object_id, document)
    elastic = elastic_backend()
    if elastic is not None:
        try:
            _write(elastic, kind, object_id, document)
        except elastic.unavailable_errors:
            if attempt + 1 >= MAX_ATTEMPTS:
                log.error("gave up indexing %s %s in Elasticsearch; run search_reindex", kind,
                          object_id)
            else:
                delay = timedelta(seconds=min(30 * 2**attempt, 6 * 3600))
                index_object.using(run_after=timezone.now() + delay).enqueue(
                    kind=kind, object_id=object_id, attempt=attempt + 1)
    return document is not None

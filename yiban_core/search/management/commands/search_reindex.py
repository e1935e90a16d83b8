"""Rebuild the search index from the database.

`--backend database` re-reads every registered source (in batches, one
transaction each) and removes rows whose object is gone: idempotent, and safe
while the site runs. `--backend elasticsearch` loads the database index into a
new Elasticsearch index and swaps the alias atomically (zero downtime).
`--backend all` (the default) does both, in that order, Elasticsearch only when
ELASTICSEARCH_URL is set.
"""

import time
from collections.abc import Iterable, Iterator

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from yiban_core.search.backends import database_backend, elastic_backend
from yiban_core.search.models import SearchDocument
from yiban_core.search.registry import SOURCES

BATCH = 500


def batches(items: Iterable, size: int = BATCH) -> Iterator[list]:
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def rebuild_database(kinds=None) -> dict[str, dict[str, int]]:
    """Write every source's documents into the database index; drop rows whose object
    no longer exists (or no longer wants to be found) and rows of unknown kinds."""
    backend = database_backend()
    counts: dict[str, dict[str, int]] = {}
    for kind in kinds or sorted(SOURCES):
        source = SOURCES[kind]
        indexed, present = 0, set()
        for ids in batches(source.all_ids()):
            with transaction.atomic():
                for pk in ids:
                    document = source.document(pk)
                    if document is None:
                        backend.delete(kind, pk)
                    else:
                        backend.upsert(kind, pk, document)
                        present.add(pk)
                        indexed += 1
        existing = SearchDocument.objects.filter(kind=kind).values_list("object_id", flat=True)
        stale = [pk for pk in existing.iterator(chunk_size=2000) if pk not in present]
        for ids in batches(stale):
            SearchDocument.objects.filter(kind=kind, object_id__in=ids).delete()
        counts[kind] = {"indexed": indexed, "removed": len(stale)}
    if not kinds:
        unknown, _ = SearchDocument.objects.exclude(kind__in=list(SOURCES)).delete()
        if unknown:
            counts["(unknown kinds)"] = {"indexed": 0, "removed": unknown}
    return counts


def database_rows(after_id: int, size: int = BATCH) -> Iterator[SearchDocument]:
    """Database index rows with id > after_id, in id order, read in keyset batches."""
    while True:
        rows = list(SearchDocument.objects.filter(pk__gt=after_id).order_by("pk")[:size])
        yield from rows
        if len(rows) < size:
            return
        after_id = rows[-1].pk


class Command(BaseCommand):
    help = "Rebuild the search index (database, Elasticsearch or both) from the database."

    def add_arguments(self, parser):
        parser.add_argument("--backend", choices=["database", "elasticsearch", "all"],
                            default="all")

    def handle(self, *, backend: str, **options):
        elastic = elastic_backend()
        if backend == "elasticsearch" and elastic is None:
            raise CommandError("ELASTICSEARCH_URL is not set: there is no Elasticsearch index "
                               "to rebuild (searches use the database index).")
        if backend in ("database", "all"):
            started = time.monotonic()
            counts = rebuild_database()
            for kind, count in counts.items():
                self.stdout.write(f"database {kind}: {count['indexed']} indexed, "
                                  f"{count['removed']} removed")
            total = sum(c["indexed"] for c in counts.values())
            self.stdout.write(f"database: {total} documents in {time.monotonic() - started:.1f}s")
        if backend in ("elasticsearch", "all"):
            if elastic is None:
                self.stdout.write("elasticsearch: not configured (ELASTICSEARCH_URL), skipped")
                return
            try:
                report = elastic.reindex(database_rows)
            except elastic.unavailable_errors as error:
                raise CommandError(f"Elasticsearch at {settings.ELASTICSEARCH_URL} cannot be "
                                   f"reached, nothing was changed: {error}") from error
            for error in report["errors"][:10]:
                self.stderr.write(f"elasticsearch: failed {error}")
            if not report["swapped"]:
                raise CommandError(
                    f"{len(report['errors'])} documents failed to index into {report['index']}; "
                    f"it was dropped and the alias {elastic.alias} left as it was")
            self.stdout.write(
                f"elasticsearch: {report['indexed']} documents into {report['index']} "
                f"in {report['seconds']}s; alias {elastic.alias} swapped, removed "
                f"{', '.join(report['removed']) or 'nothing'}")
            if report["errors"]:
                raise CommandError(f"{len(report['errors'])} documents written during the "
                                   "reindex failed to index; they are retried on their next "
                                   "change, or run search_reindex again")

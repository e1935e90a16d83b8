"""Search in Elasticsearch, through its DSL (`elasticsearch.dsl`).

One document per database SearchDocument row: the same segmented `tokens` (our
rjieba words, analysed by whitespace so Chinese is cut exactly as in the
database), plus title and body under a Chinese analyzer (`cjk`, built in, or
`smartcn` when the cluster has the plugin: settings.ELASTICSEARCH_ANALYZER) for
ranking. `document_id` is the database row's id: the tie-breaker of every sort
and the second half of the cursor, as in the database backend.

Reads and writes go through an alias named settings.ELASTICSEARCH_INDEX that
points at one concrete index `<alias>-<timestamp>`. A reindex builds a new
index, bulk loads it from the database, then swaps the alias in one atomic
request and deletes the old index: searches never see a half-built index.

Only our cleaned query terms (letters, digits, Chinese characters) reach the
cluster, and only inside term/match/prefix queries, never query_string: Lucene
syntax typed into the search box cannot do anything.

None of this has been run against a real cluster on the development machines;
the tests check the mapping, the query bodies, the alias actions and the
fallback when the cluster cannot be reached.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from functools import cache

import elastic_transport
from django.conf import settings
from elasticsearch import ApiError, BadRequestError, Elasticsearch, NotFoundError
from elasticsearch.dsl import Date, Document, Float, Index, Keyword, Long, Q, Search, Text
from elasticsearch.helpers import streaming_bulk

from yiban_core.search.backends.base import (
    DOWNLOADS_SATURATE,
    QUALITY_WEIGHT,
    SAME_SCHOOL_BONUS,
    Filters,
    Hit,
    SearchDocument,
    document_fields,
    document_tokens,
)
from yiban_core.search.text import as_prefix

log = logging.getLogger(__name__)

ANALYZERS = ("cjk", "smartcn")
BULK_CHUNK = 500


class ElasticUnavailable(Exception):
    """The cluster answered but cannot serve now (429, 5xx, or no index yet)."""


# What "the cluster cannot be reached" means: callers fall back to the database
# (searches) or retry later (indexing). TransportError covers ConnectionError,
# ConnectionTimeout, TlsError and SniffingError.
UNAVAILABLE_ERRORS = (elastic_transport.TransportError, ElasticUnavailable)


# --- the document and its index --------------------------------------------------------
@cache
def document_class(analyzer: str) -> type[Document]:
    """The DSL document, with title and body analysed by `analyzer`."""
    if analyzer not in ANALYZERS:
        raise ValueError(f"ELASTICSEARCH_ANALYZER must be one of {ANALYZERS}, not {analyzer!r}")

    class SearchEntry(Document):
        kind = Keyword()
        object_id = Long()
        document_id = Long()  # the database SearchDocument id: cursor and display row
        title = Text(analyzer=analyzer)
        body = Text(analyzer=analyzer)
        tokens = Text(analyzer="whitespace")  # rjieba words, lower-cased, space-separated
        school_id = Long()
        author_id = Long()
        course_id = Long()
        subject = Keyword()
        rating = Float()
        downloads = Long()
        created_at = Date()

    return SearchEntry


def new_index_name(alias: str, now: datetime | None = None) -> str:
    now = now or datetime.now(UTC)
    return f"{alias}-{now:%Y%m%d%H%M%S%f}"


def index_definition(name: str, analyzer: str) -> Index:
    index = Index(name)
    index.document(document_class(analyzer))
    index.settings(number_of_shards=1)
    return index


def entry_id(kind: str, object_id: int) -> str:
    return f"{kind}:{object_id}"


def entry_source(kind: str, object_id: int, document_id: int, fields: dict, tokens: str) -> dict:
    return {"kind": kind, "object_id": object_id, "document_id": document_id,
            "title": fields["title"], "body": fields["body"], "tokens": tokens,
            "school_id": fields["school_id"], "author_id": fields.get("author_id"),
            "course_id": fields["course_id"], "subject": fields["subject"] or None,
            "rating": fields["rating"], "downloads": fields["downloads"],
            "created_at": fields["created_at"]}


def bulk_actions(rows: Iterable[SearchDocument], index: str) -> Iterator[dict]:
    """Bulk index actions for database index rows (pure: no cluster needed)."""
    for row in rows:
        fields = {"title": row.title, "body": row.body, "school_id": row.school_id,
                  "author_id": row.author_id,
                  "course_id": row.course_id, "subject": row.subject, "rating": row.rating,
                  "downloads": row.downloads, "created_at": row.created_at}
        yield {"_op_type": "index", "_index": index, "_id": entry_id(row.kind, row.object_id),
               "_source": entry_source(row.kind, row.object_id, row.pk, fields, row.tokens)}


def alias_actions(alias: str, new_index: str, current: Iterable[str], *,
                  concrete_alias: bool = False) -> list[dict]:
    """The one atomic `_aliases` request of a reindex: the alias leaves every index it
    points at and lands on the new one. A concrete index that took the alias's name (a
    write before the alias existed) is removed in the same request."""
    actions: list[dict] = []
    if concrete_alias:
        actions.append({"remove_index": {"index": alias}})
    actions += [{"remove": {"index": name, "alias": alias}}
                for name in sorted(current) if name != new_index]
    actions.append({"add": {"index": new_index, "alias": alias, "is_write_index": True}})
    return actions


# --- queries ---------------------------------------------------------------------------
def term_query(term: str, prefix: bool) -> Q:
    """One query word: an exact token, or a prefix (text.as_prefix: the last word, single
    characters and short Latin)."""
    if prefix:
        return Q("prefix", tokens={"value": term})
    return Q("term", tokens={"value": term})


def ranked(query: Q, filters: Filters) -> Q:
    """base.rank_score's tie-breakers added to the text score: the viewer's school, then
    a resource's quality (its Bayesian score, then its downloads). Elasticsearch has no
    best match to cut its score into levels by, so they weigh in unstepped."""
    functions = [
        {"field_value_factor": {"field": "rating", "factor": QUALITY_WEIGHT * 0.75 / 5,
                                "missing": 0}},
        {"field_value_factor": {"field": "downloads", "modifier": "log1p",
                                "factor": 1, "missing": 0},
         "weight": QUALITY_WEIGHT * 0.25 / DOWNLOADS_SATURATE},
    ]
    if filters.viewer_school_id:
        functions.append({"filter": {"term": {"school_id": filters.viewer_school_id}},
                          "weight": SAME_SCHOOL_BONUS})
    return Q("function_score", query=query, functions=functions, score_mode="sum",
             boost_mode="sum")


def filter_clauses(filters: Filters) -> list[Q]:
    clauses = []
    if filters.kinds:
        clauses.append(Q("terms", kind=list(filters.kinds)))
    if filters.school_id:
        clauses.append(Q("term", school_id=filters.school_id))
    if filters.subject:
        clauses.append(Q("term", subject=filters.subject))
    if filters.course_id:
        clauses.append(Q("term", course_id=filters.course_id))
    if filters.since:
        clauses.append(Q("range", created_at={"gte": filters.since.isoformat()}))
    return clauses


def excluded_clauses(filters: Filters) -> list[Q]:
    """What must not match: documents by people the searcher blocked (拉黑)."""
    if not filters.blocked_author_ids:
        return []
    return [Q("terms", author_id=sorted(filters.blocked_author_ids))]


def build_search(index: str, terms: list[str], filters: Filters, *, sort: str,
                 after: tuple[float, int] | None, limit: int, using=None,
                 name: str = "") -> Search:
    """The DSL search for our cleaned terms (every one must match), filters, sort and
    cursor; `Search.to_dict()` is the request body."""
    phrase = " ".join(terms)
    # Ranking help only (should): whole words in the title and body, under the Chinese
    # analyzer. `match` analyses its text, it never parses operators.
    ranking = [Q("match", title={"query": phrase, "boost": 2}), Q("match", body=phrase)]
    words = [term_query(t, as_prefix(terms, i)) for i, t in enumerate(terms)]
    if name:  # or the beginning of a whole name (text.typed_name)
        words = [Q("bool", should=[Q("bool", must=words), term_query(name, True)],
                   minimum_should_match=1)]
    excluded = excluded_clauses(filters)
    query = Q("bool", must=words, should=ranking, filter=filter_clauses(filters),
              **({"must_not": excluded} if excluded else {}))
    if sort == "relevance":
        query = ranked(query, filters)
    search = Search(using=using, index=index).query(query)
    search = search.source(["kind", "object_id", "document_id", "rating"])
    if sort == "newest":
        search = search.sort({"document_id": {"order": "desc"}})
        cursor = [after[1]] if after else None
    elif sort == "rating":
        search = search.sort({"rating": {"order": "desc"}}, {"document_id": {"order": "desc"}})
        cursor = [after[0], after[1]] if after else None
    else:
        search = search.sort({"_score": {"order": "desc"}}, {"document_id": {"order": "desc"}})
        cursor = [after[0], after[1]] if after else None
    search = search.extra(size=limit, track_total_hits=False)
    if cursor is not None:
        search = search.extra(search_after=cursor)
    return search


def hits_from(response, sort: str) -> list[Hit]:
    hits = []
    for hit in response:
        document_id = int(hit.document_id)
        if sort == "newest":
            score = float(document_id)
        else:
            score = float(hit.meta.sort[0])
        hits.append(Hit(hit.kind, int(hit.object_id), score, document_id))
    return hits


# --- the backend -----------------------------------------------------------------------
class ElasticBackend:
    name = "elasticsearch"
    unavailable_errors = UNAVAILABLE_ERRORS

    def __init__(self, url: str, *, alias: str | None = None, analyzer: str | None = None):
        self.url = url
        self.alias = alias or settings.ELASTICSEARCH_INDEX
        self.analyzer = analyzer or settings.ELASTICSEARCH_ANALYZER
        document_class(self.analyzer)  # a wrong setting fails at start, not on first write
        # Fail fast when the cluster is away: the caller falls back to the database.
        self.client = Elasticsearch(url, request_timeout=5, max_retries=1, retry_on_timeout=False)
        self._ready = False

    # --- the alias and its indexes ------------------------------------------------------
    def _aliased(self) -> list[str]:
        try:
            return sorted(self.client.indices.get_alias(name=self.alias).body)
        except NotFoundError:
            return []

    def _concrete_alias(self) -> bool:
        """A real index (not an alias) under the alias's name."""
        if not self.client.indices.exists(index=self.alias):
            return False
        return not self.client.indices.exists_alias(name=self.alias)

    def create_index(self, name: str | None = None, *, loading: bool = False) -> str:
        name = name or new_index_name(self.alias)
        index = index_definition(name, self.analyzer)
        if loading:
            index.settings(refresh_interval="-1")
        with _available():
            index.create(using=self.client)
        return name

    def ensure_index(self) -> None:
        """Before the first write: make sure the alias exists, so a write never auto-creates
        an index with a guessed mapping."""
        if self._ready:
            return
        with _available():
            if not self._aliased():
                name = self.create_index()
                try:
                    self.client.indices.update_aliases(actions=alias_actions(
                        self.alias, name, [], concrete_alias=self._concrete_alias()))
                except BadRequestError:
                    # Another process created the alias first: use theirs.
                    self.client.indices.delete(index=name, ignore_unavailable=True)
                    if not self._aliased():
                        raise
        self._ready = True

    def swap_alias(self, new_index: str) -> list[str]:
        """Point the alias at `new_index` in one request; delete the indexes it left."""
        with _available():
            old = [name for name in self._aliased() if name != new_index]
            self.client.indices.update_aliases(actions=alias_actions(
                self.alias, new_index, old, concrete_alias=self._concrete_alias()))
            for name in old:
                self.client.indices.delete(index=name, ignore_unavailable=True)
        self._ready = True
        return old

    # --- writing ------------------------------------------------------------------------
    def upsert(self, kind: str, object_id: int, doc) -> None:
        # The database index is written first (tasks.index_object): its row id is the
        # document_id, and its tokens are reused rather than segmenting twice.
        row = SearchDocument.objects.filter(kind=kind, object_id=object_id).values_list(
            "pk", "tokens").first()
        if row is None:  # not in the database index, so it must not be found here either
            self.delete(kind, object_id)
            return
        document_id, tokens = row
        source = entry_source(kind, object_id, document_id, document_fields(doc),
                              tokens or document_tokens(doc))
        self.ensure_index()
        with _available():
            self.client.index(index=self.alias, id=entry_id(kind, object_id), document=source)

    def delete(self, kind: str, object_id: int) -> None:
        self.ensure_index()
        with _available():
            try:
                self.client.delete(index=self.alias, id=entry_id(kind, object_id))
            except NotFoundError:
                pass

    def bulk_load(self, index: str, rows: Iterable[SearchDocument]) -> tuple[int, list]:
        """Index rows into `index` with the bulk API; (how many succeeded, the failures)."""
        done, errors = 0, []
        with _available():
            for ok, item in streaming_bulk(self.client, bulk_actions(rows, index),
                                           chunk_size=BULK_CHUNK, raise_on_error=False,
                                           max_retries=3, initial_backoff=1):
                if ok:
                    done += 1
                else:
                    errors.append(item)
        return done, errors

    def reindex(self, rows_from) -> dict:
        """Zero-downtime rebuild: new index, bulk load, refresh, atomic alias swap, delete
        the old index. `rows_from(after_id)` yields database rows with id > after_id in id
        order; rows added while loading are caught up after the swap. When any document
        fails, the new index is dropped and the alias left where it was."""
        started = time.monotonic()
        name = self.create_index(loading=True)
        try:
            done, errors = self.bulk_load(name, rows_from(0))
            if errors:
                raise _LoadFailed
            with _available():
                self.client.indices.put_settings(index=name,
                                                 settings={"index": {"refresh_interval": None}})
                self.client.indices.refresh(index=name)
        except BaseException as error:
            try:
                self.client.indices.delete(index=name, ignore_unavailable=True)
            except elastic_transport.TransportError:
                log.warning("could not delete the half-built index %s", name)
            if isinstance(error, _LoadFailed):
                return {"index": name, "indexed": done, "errors": errors, "removed": [],
                        "swapped": False, "seconds": round(time.monotonic() - started, 2)}
            raise
        last = SearchDocument.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        old = self.swap_alias(name)
        # Documents written while loading went to the old index: load the new ones again.
        caught_up, late_errors = self.bulk_load(name, rows_from(last))
        return {"index": name, "indexed": done + caught_up, "errors": late_errors,
                "removed": old, "swapped": True,
                "seconds": round(time.monotonic() - started, 2)}

    # --- reading ------------------------------------------------------------------------
    def search(self, terms: list[str], filters: Filters, *, sort: str,
               after: tuple[float, int] | None, limit: int, name: str = "") -> list[Hit]:
        search = build_search(self.alias, terms, filters, sort=sort, after=after, limit=limit,
                              using=self.client, name=name)
        with _available():
            response = search.execute()
        return hits_from(response, sort)


class _LoadFailed(Exception):
    pass


class _available:
    """Turn "the cluster answered but cannot serve" into ElasticUnavailable: too many
    requests, a server error, or no index behind the alias yet."""

    def __enter__(self):
        return self

    def __exit__(self, kind, error, traceback):
        if isinstance(error, NotFoundError) and _error_type(error) == "index_not_found_exception":
            raise ElasticUnavailable(str(error)) from error
        if isinstance(error, ApiError) and (error.status_code == 429 or error.status_code >= 500):
            raise ElasticUnavailable(str(error)) from error
        return False


def _error_type(error: ApiError) -> str:
    try:
        return error.body["error"]["type"]
    except (KeyError, TypeError):
        return ""

"""The Elasticsearch backend, without an Elasticsearch server (none can run here).

What is checked: the mapping (analyzer by setting, field types), the request
bodies built for typical and hostile queries, the alias actions of a reindex and
its order of calls (against a stand-in client), reading hits back, and the
fallback when the cluster cannot be reached: searches come from the database and
indexing is retried later. Not checked: that a real cluster accepts these bodies
and ranks well.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from unittest import mock

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult
from elasticsearch.dsl.response import Response

from feeds import services as feed_services
from tests.factories import actor_for, make_user
from yiban_core.search import selectors
from yiban_core.search.backends import _backends, elastic_backend
from yiban_core.search.backends import elastic as es
from yiban_core.search.backends.base import Filters, Hit
from yiban_core.search.models import SearchDocument
from yiban_core.search.text import query_terms

CLOSED_PORT = "http://127.0.0.1:1"  # nothing listens there: connection refused at once


@pytest.fixture(autouse=True)
def _fresh_backends(settings):
    settings.ELASTICSEARCH_INDEX = "yiban"
    settings.ELASTICSEARCH_ANALYZER = "cjk"
    _backends.cache_clear()
    yield
    _backends.cache_clear()


@pytest.fixture
def elastic_down(settings, no_redis):
    settings.ELASTICSEARCH_URL = CLOSED_PORT
    _backends.cache_clear()
    return elastic_backend()


def body(terms, filters=None, **kwargs) -> dict:
    kwargs.setdefault("sort", "relevance")
    kwargs.setdefault("after", None)
    kwargs.setdefault("limit", 20)
    return es.build_search("yiban", terms, filters or Filters(), **kwargs).to_dict()


def matching(sent: dict) -> dict:
    """The bool query of a request body (inside the relevance sort's function_score)."""
    query = sent["query"]
    return query.get("function_score", {}).get("query", query)


# --- the mapping -----------------------------------------------------------------------


@pytest.mark.parametrize("analyzer", ["cjk", "smartcn"])
def test_mapping_follows_the_analyzer_setting(settings, analyzer):
    settings.ELASTICSEARCH_ANALYZER = analyzer
    backend = es.ElasticBackend(CLOSED_PORT)
    index = es.index_definition("yiban-20260101000000000000", backend.analyzer).to_dict()
    fields = index["mappings"]["properties"]
    assert fields["title"] == {"type": "text", "analyzer": analyzer}
    assert fields["body"] == {"type": "text", "analyzer": analyzer}
    # Our rjieba words, cut the same way as in the database index.
    assert fields["tokens"] == {"type": "text", "analyzer": "whitespace"}
    assert {name: f["type"] for name, f in fields.items()} == {
        "kind": "keyword", "object_id": "long", "document_id": "long", "title": "text",
        "body": "text", "tokens": "text", "school_id": "long", "author_id": "long",
        "course_id": "long",
        "subject": "keyword", "rating": "float", "downloads": "long", "created_at": "date"}


def test_unknown_analyzer_fails_at_start(settings):
    settings.ELASTICSEARCH_ANALYZER = "ik_max_word"
    with pytest.raises(ValueError, match="ELASTICSEARCH_ANALYZER"):
        es.ElasticBackend(CLOSED_PORT)


def test_index_names_are_the_alias_plus_a_timestamp(settings):
    settings.ELASTICSEARCH_INDEX = "campus"
    backend = es.ElasticBackend(CLOSED_PORT)
    assert backend.alias == "campus"
    name = es.new_index_name("campus", datetime(2026, 3, 1, 8, 30, 5, 12, tzinfo=UTC))
    assert name == "campus-20260301083005000012"


# --- query bodies ----------------------------------------------------------------------


def test_every_term_must_match_short_ones_as_prefixes():
    terms = query_terms("Python 数据分析 期末 a")
    query = matching(body(terms))["bool"]
    assert query["must"] == [
        {"term": {"tokens": {"value": "python"}}},
        {"term": {"tokens": {"value": "数据分析"}}},
        {"term": {"tokens": {"value": "期末"}}},
        {"prefix": {"tokens": {"value": "a"}}},
    ]
    # Title and body under the Chinese analyzer only help ranking.
    assert {"match": {"title": {"query": "python 数据分析 期末 a", "boost": 2}}} in query["should"]
    assert "filter" not in query


def test_single_chinese_character_is_a_prefix():
    assert matching(body(query_terms("数")))["bool"]["must"] == [
        {"prefix": {"tokens": {"value": "数"}}}]


@pytest.mark.parametrize("hostile", [
    'title:"高等数学" OR body:* AND NOT kind:user',
    "*:* || _exists_:tokens && (a TO z]",
    "'; DROP TABLE search_searchdocument; --",
    "数学~2 ^10 /.*/ \\ {!lucene} <script>alert(1)</script>",
    "高" * 5000,
])
def test_hostile_queries_reach_the_cluster_as_plain_terms(hostile):
    terms = query_terms(hostile)
    assert terms
    sent = body(terms)
    text = json.dumps(sent, ensure_ascii=False)
    assert "query_string" not in text and "regexp" not in text and "wildcard" not in text
    must = matching(sent)["bool"]["must"]
    leaves = [next(iter(clause.values()))["tokens"]["value"] for clause in must]
    assert leaves == terms
    for term in leaves:  # nothing but letters, digits and Chinese characters
        assert term.isalnum(), term


def test_filters_are_filter_clauses():
    since = datetime(2026, 1, 1, tzinfo=UTC)
    filters = Filters(kinds=["post", "resource"], school_id=7, subject="mathematics",
                      course_id=12, since=since)
    query = matching(body(["数学"], filters))["bool"]
    assert query["filter"] == [
        {"terms": {"kind": ["post", "resource"]}},
        {"term": {"school_id": 7}},
        {"term": {"subject": "mathematics"}},
        {"term": {"course_id": 12}},
        {"range": {"created_at": {"gte": since.isoformat()}}},
    ]
    assert "must_not" not in query  # nobody blocked: no clause


def test_blocked_authors_are_left_out():
    """拉黑: the searcher's blocked people's documents must not match; the filter is
    applied in the cluster, so a page is not filled with hits dropped afterwards."""
    query = matching(body(["数学"], Filters(blocked_author_ids=frozenset({9, 4}))))["bool"]
    assert query["must_not"] == [{"terms": {"author_id": [4, 9]}}]
    assert query["must"]  # the words still have to match


def test_sorts_and_cursors():
    relevance = body(["数学"], sort="relevance", after=(3.25, 41), limit=11)
    assert relevance["sort"] == [{"_score": {"order": "desc"}}, {"document_id": {"order": "desc"}}]
    assert relevance["search_after"] == [3.25, 41]
    assert relevance["size"] == 11
    assert relevance["track_total_hits"] is False

    newest = body(["数学"], sort="newest", after=(41.0, 41))
    assert newest["sort"] == [{"document_id": {"order": "desc"}}]
    assert newest["search_after"] == [41]

    rating = body(["数学"], sort="rating", after=(4.5, 41))
    assert rating["sort"] == [{"rating": {"order": "desc"}}, {"document_id": {"order": "desc"}}]
    assert rating["search_after"] == [4.5, 41]

    assert "search_after" not in body(["数学"])


def test_hits_are_read_back_with_their_cursor():
    search = es.build_search("yiban", ["数学"], Filters(), sort="relevance", after=None, limit=5)
    raw = {"hits": {"hits": [
        {"_index": "yiban-1", "_id": "post:3", "_score": 2.5, "sort": [2.5, 9],
         "_source": {"kind": "post", "object_id": 3, "document_id": 9, "rating": 0.0}},
        {"_index": "yiban-1", "_id": "resource:4", "_score": 1.0, "sort": [1.0, 8],
         "_source": {"kind": "resource", "object_id": 4, "document_id": 8, "rating": 4.0}},
    ]}}
    assert es.hits_from(Response(search, raw), "relevance") == [
        Hit("post", 3, 2.5, 9), Hit("resource", 4, 1.0, 8)]
    assert es.hits_from(Response(search, raw), "newest") == [
        Hit("post", 3, 9.0, 9), Hit("resource", 4, 8.0, 8)]


# --- reindex: the alias swap -----------------------------------------------------------


def test_alias_actions_move_the_alias_in_one_request():
    assert es.alias_actions("yiban", "yiban-2", []) == [
        {"add": {"index": "yiban-2", "alias": "yiban", "is_write_index": True}}]
    assert es.alias_actions("yiban", "yiban-3", ["yiban-2", "yiban-1"]) == [
        {"remove": {"index": "yiban-1", "alias": "yiban"}},
        {"remove": {"index": "yiban-2", "alias": "yiban"}},
        {"add": {"index": "yiban-3", "alias": "yiban", "is_write_index": True}},
    ]
    # A concrete index that took the alias's name goes in the same atomic request.
    assert es.alias_actions("yiban", "yiban-3", [], concrete_alias=True)[0] == {
        "remove_index": {"index": "yiban"}}


@pytest.mark.django_db
def test_bulk_actions_carry_the_database_row():
    created = timezone.now()
    row = SearchDocument.objects.create(
        kind="resource", object_id=5, title="高等数学期末复习资料", body="习题解答",
        tokens="高等 数学 高等数学 gaodengshuxue gdsx", school_id=2, subject="mathematics",
        course_id=None, rating=4.5, created_at=created)
    [action] = es.bulk_actions([row], "yiban-9")
    assert action == {"_op_type": "index", "_index": "yiban-9", "_id": "resource:5", "_source": {
        "kind": "resource", "object_id": 5, "document_id": row.pk, "title": "高等数学期末复习资料",
        "body": "习题解答", "tokens": "高等 数学 高等数学 gaodengshuxue gdsx", "school_id": 2,
        "author_id": None,
        "course_id": None, "subject": "mathematics", "rating": 4.5, "downloads": 0,
        "created_at": created}}


@pytest.mark.django_db
def test_reindex_builds_loads_then_swaps_and_drops_the_old_index(settings):
    """The order of calls, against a stand-in client: nothing reaches the alias before
    the new index is loaded and refreshed."""
    settings.ELASTICSEARCH_URL = "http://es.invalid:9200"
    backend = es.ElasticBackend(settings.ELASTICSEARCH_URL)
    client = backend.client = mock.MagicMock()
    client.indices.get_alias.return_value.body = {"yiban-20250101000000000000": {}}
    client.indices.exists.return_value = True
    client.indices.exists_alias.return_value = True
    loaded = []

    def bulk_load(index, rows):
        loaded.append((index, [row.pk for row in rows]))
        return len(loaded[-1][1]), []

    row = SearchDocument.objects.create(kind="post", object_id=1, title="数学", tokens="数学",
                                        created_at=timezone.now())
    with mock.patch.object(backend, "bulk_load", side_effect=bulk_load):
        report = backend.reindex(lambda after: SearchDocument.objects.filter(pk__gt=after))

    new = report["index"]
    assert new.startswith("yiban-") and report["swapped"] and report["indexed"] == 1
    assert loaded == [(new, [row.pk]), (new, [])]  # the load, then the catch-up after the swap
    calls = [c[0] for c in client.mock_calls if not c[0].endswith("body")]
    order = [calls.index(name) for name in ("indices.create", "indices.put_settings",
                                            "indices.refresh", "indices.update_aliases",
                                            "indices.delete")]
    assert order == sorted(order)
    created = client.indices.create.call_args.kwargs
    assert created["index"] == new
    assert created["body"]["settings"]["refresh_interval"] == "-1"  # loading
    assert client.indices.update_aliases.call_args.kwargs["actions"] == [
        {"remove": {"index": "yiban-20250101000000000000", "alias": "yiban"}},
        {"add": {"index": new, "alias": "yiban", "is_write_index": True}}]
    client.indices.delete.assert_called_once_with(index="yiban-20250101000000000000",
                                                  ignore_unavailable=True)
    assert report["removed"] == ["yiban-20250101000000000000"]


@pytest.mark.django_db
def test_failed_load_keeps_the_old_alias(settings):
    settings.ELASTICSEARCH_URL = "http://es.invalid:9200"
    backend = es.ElasticBackend(settings.ELASTICSEARCH_URL)
    client = backend.client = mock.MagicMock()
    with mock.patch.object(backend, "bulk_load", return_value=(3, [{"index": {"error": "x"}}])):
        report = backend.reindex(lambda after: [])
    assert not report["swapped"]
    client.indices.update_aliases.assert_not_called()
    client.indices.delete.assert_called_once_with(index=report["index"], ignore_unavailable=True)


# --- the cluster cannot be reached -----------------------------------------------------


def test_closed_port_raises_an_unavailable_error(elastic_down):
    with pytest.raises(elastic_down.unavailable_errors):
        elastic_down.search(["数学"], Filters(), sort="relevance", after=None, limit=5)


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_search_falls_back_to_the_database(elastic_down, run_worker):
    author = make_user("xiaohong")
    post = feed_services.publish_post(actor=actor_for(author), text="高等数学期末复习资料整理")
    run_worker()
    assert SearchDocument.objects.filter(kind="post", object_id=post.pk).exists()
    page = selectors.search(actor=actor_for(make_user()), query="高等数学")
    assert [(r.kind, r.object.pk) for r in page.items] == [("post", post.pk)]
    page = selectors.search(actor=actor_for(make_user()), query="数学", first=1)
    assert [(r.kind, r.object.pk) for r in page.items] == [("post", post.pk)]


@pytest.mark.django_db(transaction=True)  # the worker commits, as in production
def test_indexing_writes_the_database_and_retries_elasticsearch_later(elastic_down, run_worker):
    from yiban_core.search.tasks import index_object

    author = make_user("xiaogang")
    DBTaskResult.objects.all().delete()  # the user's own index task
    before = timezone.now()
    post = feed_services.publish_post(actor=actor_for(author), text="线性代数期中考试重点")
    run_worker()
    # The database index holds it at once: searches fall back to it.
    assert SearchDocument.objects.filter(kind="post", object_id=post.pk).exists()
    # Elasticsearch gets it later: the same task, queued again with back-off.
    retry = DBTaskResult.objects.get(task_path__endswith="index_object", status="READY")
    assert retry.run_after > before + timedelta(seconds=20)
    assert retry.args_kwargs["kwargs"] == {"kind": "post", "object_id": post.pk, "attempt": 1}
    # Running it while the cluster is still away backs off further, never drops it.
    index_object.call(kind="post", object_id=post.pk, attempt=1)
    later = DBTaskResult.objects.filter(task_path__endswith="index_object", status="READY")
    attempts = sorted(r.args_kwargs["kwargs"]["attempt"] for r in later)
    assert attempts == [1, 2]
    assert max(r.run_after for r in later) > before + timedelta(seconds=50)


@pytest.mark.django_db
def test_reindex_elasticsearch_needs_a_url(settings):
    settings.ELASTICSEARCH_URL = ""
    _backends.cache_clear()
    with pytest.raises(CommandError, match="ELASTICSEARCH_URL"):
        call_command("search_reindex", backend="elasticsearch")


@pytest.mark.django_db
def test_reindex_elasticsearch_when_the_cluster_is_away(elastic_down):
    with pytest.raises(CommandError, match="cannot be reached"):
        call_command("search_reindex", backend="elasticsearch")

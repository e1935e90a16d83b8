"""One search over posts, resources, groups, people and topics, and suggestions as it is typed.

Candidates come from the backend (Elasticsearch when configured and up, else the
database); each kind's own selector then keeps only what the searcher may see,
so a private group's post or a school-only resource never appears in anyone
else's results. Pages are cut by a signed cursor bound to the query.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

from yiban_core.accounts.selectors import blocked_ids
from yiban_core.actor import Actor
from yiban_core.errors import Invalid
from yiban_core.pagination import Page, clamp_page_size, sign_cursor, unsign_cursor
from yiban_core.search.backends import database_backend, elastic_backend
from yiban_core.search.backends.base import Filters, Hit
from yiban_core.search.highlight import highlight
from yiban_core.search.models import SearchDocument
from yiban_core.search.registry import SOURCES
from yiban_core.search.text import MAX_QUERY_LENGTH, query_terms, typed_name

log = logging.getLogger(__name__)
SORTS = ("relevance", "newest", "rating")
MAX_ROUNDS = 5


@dataclass
class Result:
    kind: str
    object: Any
    title: str
    snippet: SafeString
    score: float
    cursor: str = ""  # the position right after this result (a Relay edge's cursor)


def _backend_search(terms, name, filters, *, sort, after, limit, visible) -> list[Hit]:
    elastic = elastic_backend()
    if elastic is not None:
        try:
            return elastic.search(terms, filters, sort=sort, after=after, limit=limit, name=name)
        except elastic.unavailable_errors:
            log.warning("Elasticsearch unreachable; searching the database", exc_info=True)
    return database_backend().search(terms, filters, sort=sort, after=after, limit=limit,
                                     name=name, visible=visible)


def _cursor_salt(terms: list[str], sort: str, filters: Filters) -> str:
    # Not the exact `since`: "the past week" is computed anew on every request, and a
    # cursor must still open the next page of the same search.
    bound = (filters.kinds, filters.school_id, filters.subject, filters.course_id,
             filters.since is not None, filters.viewer_school_id)
    return f"search:{sort}:{' '.join(terms)}:{bound!r}"


def search(*, actor: Actor, query: str, kinds=None, school_id=None, subject: str = "",
           course_id=None, since=None, sort: str = "relevance", first=None,
           after: str | None = None, shown_only: bool = False) -> Page:
    """A page of what `query` finds that the actor may see. `shown_only`: each result's
    object carries what the results page shows of it (Source.load_shown)."""
    if len(query or "") > MAX_QUERY_LENGTH * 5:
        raise Invalid(_("搜索词太长了"), field="query")
    terms = query_terms(query)
    if not terms:
        raise Invalid(_("请输入要搜索的字词"), field="query")
    if sort not in SORTS:
        raise Invalid(_("排序方式不正确"), field="sort")
    unknown = set(kinds or []) - set(SOURCES)
    if unknown:
        raise Invalid(_("没有这种搜索类型"), field="kinds")
    allowed = [k for k in (kinds or SOURCES) if actor.has_scope(SOURCES[k].scope)]
    size = clamp_page_size(first)
    filters = Filters(kinds=allowed, school_id=school_id, subject=subject or "",
                      course_id=course_id, since=since,
                      viewer_school_id=actor.user.school_id if actor.user else None,
                      blocked_author_ids=blocked_ids(actor.user))
    name = typed_name(query)
    salt = _cursor_salt([*terms, name], sort, filters)
    position = None
    if after:
        try:
            score, document_id = unsign_cursor(after, salt)
            position = (float(score), int(document_id))
        except (TypeError, ValueError):
            raise Invalid(_("分页游标无效"), field="after") from None
    if not allowed:
        return Page(items=[], end_cursor=None, has_next=False)

    # Each kind's visibility rule as a queryset, for a backend that checks its hits in
    # its own SQL (the database's relevance sort); the rest are checked here.
    seen = {k: SOURCES[k].visible(actor) for k in allowed if SOURCES[k].visible is not None}
    kept: list[Hit] = []
    exhausted = False
    for _round in range(MAX_ROUNDS):
        want = size + 1 - len(kept)
        # Ask for plenty: each round costs a ranking, and visibility drops some hits.
        hits = _backend_search(terms, name, filters, sort=sort, after=position,
                               limit=max(want * 3, 60), visible=seen)
        visible = _visible(actor, [h for h in hits if not h.checked])
        kept += [h for h in hits if h.checked or (h.kind, h.object_id) in visible][:want]
        if len(hits) < max(want * 3, 60):
            exhausted = True
        if exhausted or len(kept) > size or not hits:
            break
        position = (hits[-1].score, hits[-1].document_id)
    has_next = len(kept) > size or not exhausted
    kept = kept[:size]
    results = _results(kept, terms, salt, shown_only)
    end = _cursor(kept[-1], salt) if kept else None
    return Page(items=results, end_cursor=end, has_next=has_next and bool(kept))


def _visible(actor: Actor, hits: list[Hit]) -> set[tuple[str, int]]:
    by_kind: dict[str, list[int]] = {}
    for hit in hits:
        by_kind.setdefault(hit.kind, []).append(hit.object_id)
    visible = set()
    for kind, ids in by_kind.items():
        visible |= {(kind, pk) for pk in SOURCES[kind].visible_ids(actor, ids)}
    return visible


def _cursor(hit: Hit, salt: str) -> str:
    return sign_cursor([hit.score, hit.document_id], salt)


def _results(hits: list[Hit], terms: list[str], salt: str, shown_only: bool) -> list[Result]:
    # Only what a result shows: not the index's tokens, the largest column.
    documents = {(d.kind, d.object_id): d for d in SearchDocument.objects.filter(
        pk__in=[h.document_id for h in hits if h.document_id and h.title is None]).only(
        "kind", "object_id", "title", "body")} if any(h.title is None for h in hits) else {}
    for hit in hits:  # the backend read them with the hit
        if hit.title is not None:
            documents[(hit.kind, hit.object_id)] = SearchDocument(
                kind=hit.kind, object_id=hit.object_id, title=hit.title, body=hit.body or "")
    objects: dict[str, dict[int, Any]] = {}
    for kind in {h.kind for h in hits}:
        source = SOURCES[kind]
        load = (shown_only and source.load_shown) or source.load
        objects[kind] = load([h.object_id for h in hits if h.kind == kind])
    results = []
    for hit in hits:
        obj = objects[hit.kind].get(hit.object_id)
        document = documents.get((hit.kind, hit.object_id))
        if obj is None or document is None:
            continue
        # The snippet is cut from what people wrote (never from the index's tokens).
        results.append(Result(kind=hit.kind, object=obj, title=document.title,
                              snippet=highlight(document.body or document.title, terms),
                              score=hit.score, cursor=_cursor(hit, salt)))
    return results


SUGGESTED_KINDS = ("user", "group", "topic")


def suggest(*, actor: Actor, query: str, per_kind: int = 4) -> list[Result]:
    """What to offer under the search box while the query is typed: a few people, groups
    and topics, through the same search (so the same visibility rules and scopes); an
    incomplete or unusable query suggests nothing rather than failing."""
    if not query_terms(query) or len(query) > MAX_QUERY_LENGTH:
        return []
    results = []
    for kind in SUGGESTED_KINDS:
        if kind in SOURCES and actor.has_scope(SOURCES[kind].scope):
            results += search(actor=actor, query=query, kinds=[kind], first=per_kind).items
    return results

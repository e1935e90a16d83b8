"""Search in the database: a GIN-indexed tsvector on PostgreSQL, FTS5 on SQLite.

Both match every query word (the last one, single characters and short Latin
fragments as prefixes), rank only the newest RANK_WINDOW matches by
base.rank_score (ts_rank on PostgreSQL, bm25 on SQLite, as levels of the best
match; then the viewer's school and a resource's quality), and page by keyset on
(score, id) or on id for newest-first.
"""

from __future__ import annotations

import json
import time

from django.contrib.postgres.search import SearchQuery, SearchVectorField
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Max, Q
from django.db.models.expressions import RawSQL

from yiban_core.search.backends.base import (
    DOWNLOADS_SATURATE,
    QUALITY_WEIGHT,
    RANK_WINDOW,
    RELEVANCE_LEVELS,
    SAME_SCHOOL_BONUS,
    Filters,
    Hit,
    SearchDocument,
    apply_filters,
    document_fields,
    document_tokens,
    rank_score,
)
from yiban_core.search.text import as_prefix

# The stored, GIN-indexed tsvector column (PostgreSQL only: migration 0003).
# Unqualified on purpose: inside the ranked subquery it must name the subquery's row.
VECTOR = RawSQL("vector", [], output_field=SearchVectorField())


class DatabaseBackend:
    name = "database"

    # --- writing ------------------------------------------------------------------------
    def upsert(self, kind: str, object_id: int, doc) -> None:
        SearchDocument.objects.update_or_create(
            kind=kind, object_id=object_id,
            defaults={**document_fields(doc), "tokens": document_tokens(doc)},
        )

    def delete(self, kind: str, object_id: int) -> None:
        SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()

    # --- reading ------------------------------------------------------------------------
    def search(self, terms: list[str], filters: Filters, *, sort: str,
               after: tuple[float, int] | None, limit: int, name: str = "",
               visible: dict | None = None) -> list[Hit]:
        """`visible`: kind -> the queryset of what the searcher may see (Source.visible);
        where the backend checked a hit against it, the hit says so (Hit.checked)."""
        if connection.vendor == "postgresql":
            return self._postgres(terms, name, filters, sort=sort, after=after, limit=limit,
                                  visible=visible)
        return self._sqlite(terms, name, filters, sort=sort, after=after, limit=limit)

    def _postgres(self, terms, name, filters, *, sort, after, limit, visible) -> list[Hit]:
        tsquery = " & ".join(f"{t}:*" if as_prefix(terms, i) else t for i, t in enumerate(terms))
        if name:  # or the beginning of a whole name (text.typed_name)
            tsquery = f"({tsquery}) | {name}:*"
        query = SearchQuery(tsquery, search_type="raw", config="simple")
        matches = apply_filters(SearchDocument.objects.annotate(vector=VECTOR), filters).filter(
            vector=query)
        if sort == "newest":
            if after:
                matches = matches.filter(pk__lt=after[1])
            rows = matches.order_by("-pk").values_list("kind", "object_id", "pk")[:limit]
            return [Hit(kind, oid, float(pk), pk) for kind, oid, pk in rows]
        if sort == "rating":
            matches = matches.order_by("-rating", "-pk")
            if after:
                matches = _after_score(matches, "rating", after)
            rows = matches.values_list("kind", "object_id", "rating", "pk")[:limit]
            return [Hit(kind, oid, score, pk) for kind, oid, score, pk in rows]
        return self._ranked(matches, tsquery, filters, after=after, limit=limit,
                            visible=visible or {})

    def _ranked(self, matches, tsquery, filters, *, after, limit, visible) -> list[Hit]:
        """Relevance on PostgreSQL, in one statement: the window (the newest RANK_WINDOW
        matches), ts_rank on the window alone, base.rank_score, the cursor, then each
        kind's visibility rule checked row by row in score order until `limit` rows pass,
        with the title and body a result shows (no second query for either)."""
        start = _window_start(matches)
        while True:
            rows = self._ranked_rows(matches, tsquery, filters, after=after, limit=limit,
                                     visible=visible, start=start)
            # A slice that held fewer than RANK_WINDOW matches (the estimate was high):
            # the window reaches further back, over every document.
            if start in (_WALK, _EVERY) or (rows and rows[0][-1] >= RANK_WINDOW):
                break
            start = _EVERY
        return [Hit(kind, oid, score, pk, checked=kind in visible, title=title, body=body)
                for kind, oid, score, pk, title, body, _size in rows]

    def _ranked_rows(self, matches, tsquery, filters, *, after, limit, visible, start):
        window = matches.filter(pk__gt=start) if isinstance(start, int) else matches
        # The window carries each row's vector (ts_rank runs on the window alone, past its
        # LIMIT, once a row, without a second fetch by id) and what a result shows.
        fields = ("id", "kind", "object_id", "school_id", "rating", "downloads", "vector",
                  "title", "body")
        window_sql, window_params = (
            window.order_by("-pk").values(*fields)[:RANK_WINDOW].query.sql_with_params())
        # ts_rank is a float4: as such it comes back rounded to a float8 that no longer
        # equals it, and the next page's "score < cursor" skips or repeats rows. Cast it
        # to float8 in SQL, so the value a cursor holds is the value compared.
        params = [filters.viewer_school_id or 0, tsquery, *window_params]
        conditions, condition_params = [], []
        if after:
            conditions.append("(score < %s OR (score = %s AND id < %s))")
            condition_params += [after[0], after[0], after[1]]
        seen, seen_params = _seen_sql(visible, filters.kinds)
        if seen:
            conditions.append(seen)
            condition_params += seen_params
        where = f"WHERE {' AND '.join(conditions)}" if conditions else ""
        sql = (
            "SELECT kind, object_id, score, id, title, body, window_size FROM ("
            f"SELECT kind, object_id, id, title, body, window_size, {_POSTGRES_SCORE} "
            "AS score FROM ("
            "SELECT kind, object_id, id, school_id, rating, downloads, title, body, "
            "ts_rank(vector, to_tsquery('simple'::regconfig, %s))::float8 AS relevance, "
            "COUNT(*) OVER () AS window_size "
            f"FROM ({window_sql}) AS newest) AS ranked "
            # OFFSET 0 keeps the conditions out of the sorted subquery: they are checked
            # in score order, and only until LIMIT rows passed.
            "ORDER BY score DESC, id DESC OFFSET 0) AS scored "
            f"{where} LIMIT %s")
        gin = start is not _WALK
        if gin:
            # Read from the GIN index (ANDed with the slice of the key): the planner
            # prices matching a row's vector far below its cost, and would walk the key
            # back past tens of thousands of rows instead. In the same round trip; SET
            # LOCAL ends with the statements' own implicit transaction, or is reset in a
            # caller's.
            sql = f"SET LOCAL enable_indexscan = off; {sql}"
            if connection.in_atomic_block:
                sql = f"{sql}; RESET enable_indexscan"
        with connection.cursor() as cursor:
            cursor.execute(sql, [*params, *condition_params, limit])
            if gin:
                cursor.nextset()
            return cursor.fetchall()

    def _sqlite(self, terms, name, filters, *, sort, after, limit) -> list[Hit]:
        match = " AND ".join(f'"{t}"*' if as_prefix(terms, i) else f'"{t}"'
                             for i, t in enumerate(terms))
        if name:  # or the beginning of a whole name (text.typed_name)
            match = f'({match}) OR "{name}"*'
        # The filters go into the window's query: filtered after it, a type or school
        # with no match among the newest RANK_WINDOW matches would find nothing at all.
        allowed = apply_filters(SearchDocument.objects.all(), filters).values("pk")
        allowed_sql, allowed_params = allowed.query.sql_with_params()
        older = ""
        params = [match, *allowed_params]
        if sort == "newest" and after:
            older, params = " AND rowid < %s", [*params, after[1]]
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT rowid, bm25(search_fts) FROM search_fts WHERE search_fts MATCH %s "
                f"AND rowid IN ({allowed_sql}){older} ORDER BY rowid DESC LIMIT %s",
                [*params, RANK_WINDOW])
            found = {rowid: -score for rowid, score in cursor.fetchall()}  # bm25: lower is better
        rows = list(SearchDocument.objects.filter(pk__in=list(found))
                    .values_list("kind", "object_id", "rating", "pk", "school_id", "downloads"))
        best = max(found.values(), default=0)
        scores = {}
        for _kind, _oid, rating, pk, school_id, downloads in rows:
            if sort == "newest":
                scores[pk] = float(pk)
            elif sort == "rating":
                scores[pk] = rating
            else:
                scores[pk] = rank_score(
                    found[pk], best, rating=rating, downloads=downloads,
                    same_school=bool(school_id) and school_id == filters.viewer_school_id)
        rows.sort(key=lambda r: (scores[r[3]], r[3]), reverse=True)
        if after:
            rows = [r for r in rows if (scores[r[3]], r[3]) < (after[0], after[1])]
        return [Hit(kind, oid, scores[pk], pk) for kind, oid, _r, pk, _s, _d in rows[:limit]]

    def clear(self) -> None:
        SearchDocument.objects.all().delete()


# base.rank_score in SQL, over a window row's `relevance` (ts_rank as float8): its level
# against the window's best, the viewer's school (the one parameter; 0 for no school),
# then the quality. The same operations in the same order as the Python, so both sort
# ties alike.
_POSTGRES_SCORE = (
    f"(COALESCE(CEILING(({RELEVANCE_LEVELS} * relevance) / NULLIF(MAX(relevance) OVER (), 0.0)),"
    f" 0.0) + (CASE WHEN school_id = %s THEN {SAME_SCHOOL_BONUS} ELSE 0.0 END)"
    f" + {QUALITY_WEIGHT} * (0.75 * LEAST(rating / 5.0, 1.0)"
    f" + 0.25 * LEAST((LN(1.0 + downloads::float8) / LN(10.0)) / {DOWNLOADS_SATURATE}, 1.0))"
    ")::float8"
)


def _after_score(qs, field: str, after: tuple[float, int]):
    score, pk = after
    return qs.filter(Q(**{f"{field}__lt": score}) | Q(**{field: score, "pk__lt": pk}))


# How the window is read, chosen from the planner's estimate of the matches. A query
# matching one document in WALK_EVERY or more walks the key back (past about
# RANK_WINDOW * WALK_EVERY rows). A rarer one is read from the GIN index, and when its
# window should fill within the newest documents (SLICE_MARGIN times the span its
# estimate needs), only from those: a bitmap of that slice of the key ANDed with the
# GIN's, so the heap is visited for a few hundred rows, not for every match.
WALK_EVERY = 10
SLICE_MARGIN = 2.5
NEWEST_TTL = 60.0  # seconds the newest document id is reused (it only places the slice)
_WALK = "walk"
_EVERY = "every"
_newest: list[float] = [0.0, float("-inf")]  # [the newest document id, read at (monotonic)]


def _newest_id() -> int:
    now = time.monotonic()
    if now - _newest[1] > NEWEST_TTL:
        _newest[:] = [SearchDocument.objects.aggregate(newest=Max("pk"))["newest"] or 0, now]
    return int(_newest[0])


def _estimated_rows(qs) -> float:
    sql, params = qs.values("pk").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


def _window_start(matches):
    """_WALK, _EVERY (the GIN index over every document) or the id the newest slice
    starts after. Never a matter of correctness: a slice short of a window is read again
    whole (_ranked)."""
    newest = _newest_id()
    estimate = max(_estimated_rows(matches), 1.0)
    if estimate * WALK_EVERY >= newest:
        return _WALK
    span = SLICE_MARGIN * RANK_WINDOW * newest / estimate
    return int(newest - span) if span < newest else _EVERY


def _seen_sql(visible: dict, kinds) -> tuple[str, list]:
    """Each kind's visibility rule (its source's `visible` queryset) as a condition on a
    ranked row: an EXISTS by the row's object id. Kinds without one pass here and are
    checked by the caller (registry.Source.visible_ids)."""
    if not visible:
        return "", []
    alternatives, params = [], []
    for kind in kinds or list(visible):
        qs = visible.get(kind)
        if qs is None:
            alternatives.append("kind = %s")
            params.append(kind)
            continue
        try:
            sql, sql_params = (qs.filter(pk=RawSQL("scored.object_id", []))
                               .order_by().values("pk").query.sql_with_params())
        except EmptyResultSet:  # nothing of this kind is visible
            continue
        # OFFSET 0: an EXISTS the planner may not turn into a hashed IN over every
        # visible object (a whole table for a school's public posts); a few dozen ranked
        # rows are checked by primary key.
        alternatives.append(f"(kind = %s AND EXISTS ({sql} OFFSET 0))")
        params += [kind, *sql_params]
    if not alternatives:
        return "FALSE", []
    return f"({' OR '.join(alternatives)})", params

"""Search in the database: a GIN-indexed tsvector on PostgreSQL, FTS5 on SQLite.

Both match every query word (single characters and short Latin fragments as
prefixes), rank only the newest RANK_WINDOW matches, and page by keyset on
(score, id) or on id for newest-first.
"""

from __future__ import annotations

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVectorField
from django.db import connection
from django.db.models import FloatField, Q
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cast

from yiban_core.search.backends.base import (
    RANK_WINDOW,
    Filters,
    Hit,
    SearchDocument,
    apply_filters,
    document_fields,
)
from yiban_core.search.text import index_tokens, is_short

# The stored, GIN-indexed tsvector column (PostgreSQL only: migration 0003).
# Unqualified on purpose: inside the ranked subquery it must name the subquery's row.
VECTOR = RawSQL("vector", [], output_field=SearchVectorField())


class DatabaseBackend:
    name = "database"

    # --- writing ------------------------------------------------------------------------
    def upsert(self, kind: str, object_id: int, doc) -> None:
        SearchDocument.objects.update_or_create(
            kind=kind, object_id=object_id,
            defaults={**document_fields(doc), "tokens": index_tokens(doc.title, doc.body)},
        )

    def delete(self, kind: str, object_id: int) -> None:
        SearchDocument.objects.filter(kind=kind, object_id=object_id).delete()

    # --- reading ------------------------------------------------------------------------
    def search(self, terms: list[str], filters: Filters, *, sort: str,
               after: tuple[float, int] | None, limit: int) -> list[Hit]:
        if connection.vendor == "postgresql":
            return self._postgres(terms, filters, sort=sort, after=after, limit=limit)
        return self._sqlite(terms, filters, sort=sort, after=after, limit=limit)

    def _postgres(self, terms, filters, *, sort, after, limit) -> list[Hit]:
        tsquery = " & ".join(f"{t}:*" if is_short(t) else t for t in terms)
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
        # With the tsvector stored (and its statistics known) the planner chooses: walk the
        # primary key back for a common word, the GIN index for a rare one.
        newest = matches.order_by("-pk").values("pk")[:RANK_WINDOW]
        # ts_rank is a float4: as such it comes back rounded to a float8 that no longer
        # equals it, and the next page's "score < cursor" skips or repeats rows. Cast it
        # to float8 in SQL, so the value a cursor holds is the value compared.
        ranked = SearchDocument.objects.filter(pk__in=newest).annotate(
            score=Cast(SearchRank(VECTOR, query), FloatField())).order_by("-score", "-pk")
        if after:
            ranked = _after_score(ranked, "score", after)
        rows = ranked.values_list("kind", "object_id", "score", "pk")[:limit]
        return [Hit(kind, oid, score, pk) for kind, oid, score, pk in rows]

    def _sqlite(self, terms, filters, *, sort, after, limit) -> list[Hit]:
        match = " AND ".join(f'"{t}"*' if is_short(t) else f'"{t}"' for t in terms)
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
                    .values_list("kind", "object_id", "rating", "pk"))
        if sort == "newest":
            key = lambda r: (r[3], r[3])  # noqa: E731
        elif sort == "rating":
            key = lambda r: (r[2], r[3])  # noqa: E731
        else:
            key = lambda r: (round(found[r[3]], 9), r[3])  # noqa: E731
        rows.sort(key=key, reverse=True)
        if after:
            rows = [r for r in rows if key(r) < (after[0], after[1])]
        return [Hit(kind, oid, key((kind, oid, rating, pk))[0], pk)
                for kind, oid, rating, pk in rows[:limit]]

    def clear(self) -> None:
        SearchDocument.objects.all().delete()


def _after_score(qs, field: str, after: tuple[float, int]):
    score, pk = after
    return qs.filter(Q(**{f"{field}__lt": score}) | Q(**{field: score, "pk__lt": pk}))

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime

from yiban_core.search.models import SearchDocument
from yiban_core.search.text import index_tokens


@dataclass
class Filters:
    kinds: list[str] = field(default_factory=list)
    school_id: int | None = None
    subject: str = ""
    course_id: int | None = None
    since: datetime | None = None
    viewer_school_id: int | None = None  # not a filter: ranks the viewer's school first
    blocked_author_ids: frozenset[int] = frozenset()  # whom the searcher blocked: left out


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    score: float
    document_id: int
    # Already checked against the source's `visible` rule by the backend (in its SQL).
    checked: bool = False
    title: str | None = None  # what a result shows, when the backend read it already
    body: str | None = None


RANK_WINDOW = 1000  # relevance ranks only the newest matches (DESIGN.md section 7)

# Relevance order, the same on every backend: text relevance first, as one of RELEVANCE_LEVELS
# steps of the best match's (ts_rank, bm25 or Elasticsearch's score, whichever the backend
# has); within a step, the viewer's own school first, then a resource's quality (its
# Bayesian score, then its downloads). The backends compute it where they rank.
RELEVANCE_LEVELS = 10
SAME_SCHOOL_BONUS = 0.5
QUALITY_WEIGHT = 0.4  # below SAME_SCHOOL_BONUS, and the two below one level
DOWNLOADS_SATURATE = 4  # log10: 10,000 downloads count fully


def rank_score(relevance: float, best: float, *, same_school: bool, rating: float,
               downloads: int) -> float:
    """The relevance sort's score (SQLite's and the tests' form; PostgreSQL computes the
    same expression in SQL: database.py)."""
    level = math.ceil(RELEVANCE_LEVELS * relevance / best) if best > 0 else 0
    return level + (SAME_SCHOOL_BONUS if same_school else 0) + QUALITY_WEIGHT * quality(
        rating, downloads)


def quality(rating: float, downloads: int) -> float:
    """0 to 1: three quarters the Bayesian score out of 5, a quarter the downloads."""
    return (0.75 * min(max(rating, 0) / 5, 1)
            + 0.25 * min(math.log10(1 + max(downloads, 0)) / DOWNLOADS_SATURATE, 1))


def apply_filters(qs, filters: Filters):
    if filters.kinds:
        qs = qs.filter(kind__in=filters.kinds)
    if filters.school_id:
        qs = qs.filter(school_id=filters.school_id)
    if filters.subject:
        qs = qs.filter(subject=filters.subject)
    if filters.course_id:
        qs = qs.filter(course_id=filters.course_id)
    if filters.since:
        qs = qs.filter(created_at__gte=filters.since)
    if filters.blocked_author_ids:  # documents nobody wrote (author_id NULL) stay
        qs = qs.exclude(author_id__in=sorted(filters.blocked_author_ids))
    return qs


def document_fields(doc) -> dict:
    return {"title": doc.title[:200], "body": doc.body[:5000], "school_id": doc.school_id,
            "author_id": doc.author_id,
            "subject": doc.subject, "course_id": doc.course_id, "rating": doc.rating,
            "downloads": doc.downloads, "created_at": doc.created_at}


def document_tokens(doc) -> str:
    return index_tokens(doc.title, doc.body, doc.extra, named=doc.named)


__all__ = ["RANK_WINDOW", "Filters", "Hit", "SearchDocument", "apply_filters", "document_fields",
           "document_tokens"]

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from yiban_core.search.models import SearchDocument


@dataclass
class Filters:
    kinds: list[str] = field(default_factory=list)
    school_id: int | None = None
    subject: str = ""
    course_id: int | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class Hit:
    kind: str
    object_id: int
    score: float
    document_id: int


RANK_WINDOW = 1000  # relevance ranks only the newest matches (DESIGN.md section 7)


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
    return qs


def document_fields(doc) -> dict:
    return {"title": doc.title[:200], "body": doc.body[:5000], "school_id": doc.school_id,
            "subject": doc.subject, "course_id": doc.course_id, "rating": doc.rating,
            "created_at": doc.created_at}


__all__ = ["RANK_WINDOW", "Filters", "Hit", "SearchDocument", "apply_filters", "document_fields"]

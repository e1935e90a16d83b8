"""Small helpers the apps' `personal_data.py` share to shape what they export: plain JSON
values (ISO 8601 times, names, no model objects), rows read in chunks."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import PurePosixPath

from django.db.models import QuerySet

CHUNK = 500


def iso(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def rows(queryset: QuerySet, shape: Callable[[object], dict]) -> Iterator[dict]:
    """Each row shaped, read a chunk at a time: a heavy user's ten thousand posts are never
    all in memory (the archive writes each as it comes)."""
    for row in queryset.iterator(chunk_size=CHUNK):
        yield shape(row)


def name_of(user) -> str:
    """Another person as an export names them: the display name everyone sees, nothing
    else of theirs."""
    if user is None:
        return ""
    return user.display_name or user.username


def file_name(prefix: str, original: str) -> str:
    """A name inside the zip: `prefix` (unique, e.g. "feeds/post-12-0") and the original
    suffix, so the same original name twice never collides."""
    suffix = PurePosixPath(original).suffix.lower()
    if not suffix[1:].isalnum() or len(suffix) > 8:
        suffix = ""
    return f"{prefix}{suffix}"

"""What can be searched. Each app registers its kinds (in AppConfig.ready); the
core never imports them.

A source says how to turn one object into a document (or None when it must
leave the index: deleted), which of a list of ids an actor may see (through
the app's own selectors: the one place its visibility rules live), and how to
load those objects for display (and, when a row of the results page shows less, for
that). It may also give what an actor may see as a queryset of the same selectors
(`visible`): the database backend then checks its ranked hits inside its own SQL, one
statement instead of a query per kind.

For GraphQL it also names, by dotted path (imported when the schema is built,
so registering imports no schema), the node type of a result, the function
that queues a page of results in the app's batch loaders, and the enum of the
documents' subject, for kinds that have one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass
class Document:
    title: str
    body: str  # the text people wrote: what snippets are cut from
    created_at: datetime
    school_id: int | None = None
    author_id: int | None = None  # who wrote it: left out of the results of whoever blocked them
    subject: str = ""
    course_id: int | None = None
    rating: float = 0.0
    downloads: int = 0
    extra: str = ""  # found by, never shown (a course code, tags, a login name)
    named: bool = True  # the title is a name (not a post's first line): found as typed


@dataclass(frozen=True)
class Source:
    kind: str
    label: str
    document: Callable[[int], Document | None]
    visible_ids: Callable[[Any, list[int]], set[int]]  # (actor, ids) -> the visible ones
    load: Callable[[list[int]], dict[int, Any]]
    all_ids: Callable[[], Iterable[int]]  # for a full reindex
    scope: str  # the token scope needed to search this kind
    node: str = ""  # the GraphQL type of a result
    prepare: str = ""  # (info, objects) -> None: a page of results, for the batch loaders
    subject_enum: str = ""  # the GraphQL enum of Document.subject
    # (actor) -> a queryset of the objects the actor may see (the rule of visible_ids)
    visible: Callable[[Any], Any] | None = None
    # (ids) -> the objects with what a row of the results page shows, when that is less
    # than `load` reads (the API's nodes are whole objects)
    load_shown: Callable[[list[int]], dict[int, Any]] | None = None


SOURCES: dict[str, Source] = {}


def register(source: Source) -> None:
    SOURCES[source.kind] = source

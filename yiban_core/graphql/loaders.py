"""Per-request batch loaders: what depends on the viewer, read once for a whole page.

Saleor's DataLoader pattern, synchronous (graphene 3 has none for sync views).
A loader reads one value per object (the viewer's like on a post, their role in
a group) and lives on the request, so it never outlives one GraphQL operation;
every mutation drops them all (`clear_loaders`), so a payload never shows a
value read before the change.

Resolvers run one object at a time, so a batch is announced before it is
needed: the field that returns a page queues the page's objects
(`Loader.of(info).queue(objects)`), and the first `load` of any object reads
everything queued so far in one `batch_load`. An object nobody queued is read
on its own; a field nobody asks for reads nothing.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any, ClassVar, Generic, TypeVar

Item = TypeVar("Item")
Value = TypeVar("Value")

_ATTRIBUTE = "_graphql_loaders"


class Loader(Generic[Item, Value]):
    """Values by key for one request; subclasses implement `batch_load`."""

    default: ClassVar[Any] = None  # the value of a key that batch_load did not return

    def __init__(self, info) -> None:
        self.info = info
        self.actor = info.context.actor
        self._values: dict[Hashable, Value] = {}
        self._queued: dict[Hashable, Item] = {}

    @classmethod
    def of(cls, info):
        """This request's loader of this class."""
        loaders = getattr(info.context, _ATTRIBUTE, None)
        if loaders is None:
            loaders = {}
            setattr(info.context, _ATTRIBUTE, loaders)
        if cls not in loaders:
            loaders[cls] = cls(info)
        return loaders[cls]

    def key(self, item: Item) -> Hashable:
        return item.pk  # model instances, by default

    def batch_load(self, items: list[Item]) -> dict[Hashable, Value]:
        """The values of these items (one query, whatever their number), by key."""
        raise NotImplementedError(f"{type(self).__name__} must define batch_load()")

    def queue(self, items: Iterable[Item]) -> None:
        """Read these with the next load (nothing is read now)."""
        for item in items:
            key = self.key(item)
            if key not in self._values:
                self._queued.setdefault(key, item)

    def load(self, item: Item) -> Value:
        key = self.key(item)
        if key not in self._values:
            self._queued.setdefault(key, item)
            self._flush()
        return self._values[key]

    def load_many(self, items: Iterable[Item]) -> list[Value]:
        items = list(items)
        self.queue(items)
        self._flush()
        return [self._values[self.key(item)] for item in items]

    def prime(self, item: Item, value: Value) -> None:
        """A value known without reading it (it is not read again)."""
        key = self.key(item)
        self._queued.pop(key, None)
        self._values.setdefault(key, value)

    def _flush(self) -> None:
        if not self._queued:
            return
        queued, self._queued = self._queued, {}
        found = self.batch_load(list(queued.values()))
        for key in queued:
            self._values[key] = found.get(key, self.default)


def clear_loaders(info) -> None:
    if getattr(info.context, _ATTRIBUTE, None) is not None:
        setattr(info.context, _ATTRIBUTE, {})

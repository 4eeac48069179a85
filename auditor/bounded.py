"""Bounded folds: keep the first N items of a stream by a sort key, count the rest exactly.

Reports and the console list "the worst N" of millions of findings; sorting them all would hold
them all. ``SmallestN`` holds at most 2N items at any time, and once it is full rejects an item
whose key cannot make the cut without storing it (most items of a large stream).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class SmallestN(Generic[T]):
    """The ``n`` items with the smallest keys seen so far, and how many were offered.

    Keys must be totally ordered and unique (end them with a fingerprint or a sequence number),
    so items themselves are never compared and the outcome does not depend on arrival order."""

    def __init__(self, n: int) -> None:
        self.n = max(0, n)
        self.seen = 0
        self._items: list[tuple[Any, T]] = []
        self._cutoff: Any = None  # the n-th smallest key after the last trim: larger keys never make it

    def wants(self, key: Any) -> bool:
        """Whether an item with this key could be kept (check before building a costly item)."""
        return self.n > 0 and (self._cutoff is None or key < self._cutoff)

    def add(self, key: Any, item: T) -> None:
        self.seen += 1
        self.offer(key, item)

    def count(self) -> None:
        """Count an item that was not offered (``wants`` said no)."""
        self.seen += 1

    def offer(self, key: Any, item: T) -> None:
        """Keep ``item`` if it makes the cut; not counted (pair with ``count``)."""
        if not self.wants(key):
            return
        self._items.append((key, item))
        if len(self._items) >= 2 * self.n:
            self._trim()

    def _trim(self) -> None:
        self._items.sort(key=lambda pair: pair[0])
        del self._items[self.n :]
        if self._items and len(self._items) == self.n:
            self._cutoff = self._items[-1][0]

    def items(self) -> list[T]:
        """The kept items, smallest key first."""
        self._trim()
        return [item for _, item in self._items]

    @property
    def omitted(self) -> int:
        return max(0, self.seen - self.n)


def smallest(items: Iterable[T], n: int, key: Any) -> tuple[list[T], int]:
    """The ``n`` items of ``items`` with the smallest ``key(item)``, and how many there were."""
    fold: SmallestN[T] = SmallestN(n)
    for item in items:
        fold.add(key(item), item)
    return fold.items(), fold.seen

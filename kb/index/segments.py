"""Caching per index segment: a bounded least-recently-used cache and the ids that key it.

Segments never change once written (deletions are kept apart), so whatever is read from one
segment can be cached under its id and survives page saves. The bottom of kb.index's layers:
kb.index.vocabulary, kb.index.scoring and kb.index.ranking build on it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

V = TypeVar("V")


class SizedCache:
    """A thread-safe least-recently-used cache bounded by the summed length of its values."""

    def __init__(self, max_total: int, size: Callable[[Any], int] = len) -> None:
        self.max_total = max_total
        self.size = size
        self.items: OrderedDict[Hashable, Any] = OrderedDict()
        self.total = 0
        self.lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], V]) -> V:
        """The cached value for `key`, built (outside the lock) when missing."""
        with self.lock:
            found = self.items.get(key)
            if found is not None:
                self.items.move_to_end(key)
                return found  # type: ignore[return-value]
        value = build()
        with self.lock:
            if key not in self.items:
                self.items[key] = value
                self.total += self.size(value)
            while self.total > self.max_total and len(self.items) > 1:
                _, dropped = self.items.popitem(last=False)
                self.total -= self.size(dropped)
        return value


def segment_id(segment_reader: Any) -> str | None:
    """The unique id of a leaf reader's segment (None for an empty index, which holds nothing)."""
    segment = segment_reader.segment()
    return segment.segment_id() if segment is not None else None

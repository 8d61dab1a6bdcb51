"""In-memory collections of pre-serialized objects, indexed for newest-first paging.

Every object is kept as its JSON bytes (serialized once, when it is created or changed) plus a few attributes the
list filters need. Each collection keeps sorted lists of ``(created, id)`` keys, one per *view* (``("all",)``,
``("customer", "cus_…")`` …), so a ``created`` range or a cursor is two bisections and a page is a slice.
"""

from __future__ import annotations

import heapq
from bisect import bisect_left, insort
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import orjson

Obj = dict[str, Any]
Key = tuple[int, str]
ViewKey = tuple[Any, ...]
ALL: ViewKey = ("all",)


def serialize(obj: Obj) -> bytes:
    """JSON bytes of ``obj``, copied to an exact-size buffer (orjson's own output keeps a large spare capacity)."""
    return bytes(memoryview(orjson.dumps(obj)))


@dataclass(slots=True)
class Record:
    id: str
    key: Key
    body: bytes
    attrs: Any  # the kind's attribute tuple (see :mod:`.views`)

    @property
    def created(self) -> int:
        return self.key[0]


#: A new object ready to be stored: (id, created, JSON bytes, attributes). Plain tuples pickle fast, so rows can be
#: made in a worker process.
Row = tuple[str, int, bytes, Any]


@dataclass(frozen=True, slots=True)
class Schema:
    """How one kind of object is indexed: the attributes kept beside its bytes, and the views it belongs to."""

    object_name: str
    attrs: Callable[[Obj], Any]
    views: Callable[[Any], Iterable[ViewKey]]


def rows(schema: Schema, objects: Iterable[Obj]) -> Iterator[Row]:
    attrs = schema.attrs
    for obj in objects:
        yield obj["id"], obj["created"], serialize(obj), attrs(obj)


class Collection:
    """The objects of one kind in one data set (one account and mode)."""

    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        self.records: dict[str, Record] = {}
        self.tombstones: dict[str, Key] = {}
        self.views: dict[ViewKey, list[Key]] = {}

    def __len__(self) -> int:
        return len(self.records)

    def get(self, object_id: str) -> Record | None:
        return self.records.get(object_id)

    def load(self, object_id: str) -> Obj | None:
        record = self.records.get(object_id)
        return None if record is None else orjson.loads(record.body)

    def cursor_key(self, object_id: str) -> Key | None:
        """The sort key of an object, also of a deleted one, so that it can still serve as a cursor."""
        record = self.records.get(object_id)
        return record.key if record is not None else self.tombstones.get(object_id)

    def view(self, view: ViewKey) -> list[Key]:
        return self.views.get(view, [])

    def bulk_load(self, objects: Iterable[Obj]) -> None:
        """Add many new objects at once and sort every view once at the end."""
        self.absorb(rows(self.schema, objects))

    def absorb(self, new_rows: Iterable[Row]) -> None:
        """Add rows made by :func:`rows` (possibly in another process); views are sorted once at the end."""
        views = self.schema.views
        for object_id, created, body, attrs in new_rows:
            key = (created, object_id)
            self.records[object_id] = Record(object_id, key, body, attrs)
            for view in views(attrs):
                self.views.setdefault(view, []).append(key)
        for keys in self.views.values():
            keys.sort()

    def put(self, obj: Obj) -> Record:
        """Insert or replace one object; re-index it when its attributes changed."""
        record = self._record(obj)
        old = self.records.get(record.id)
        self.records[record.id] = record
        old_views = set(self.schema.views(old.attrs)) if old is not None else set()
        new_views = set(self.schema.views(record.attrs))
        for view in old_views - new_views:
            self._unindex(view, record.key)
        for view in new_views - old_views:
            insort(self.views.setdefault(view, []), record.key)
        return record

    def delete(self, object_id: str) -> Record | None:
        record = self.records.pop(object_id, None)
        if record is not None:
            self.tombstones[object_id] = record.key
            for view in self.schema.views(record.attrs):
                self._unindex(view, record.key)
        return record

    def _unindex(self, view: ViewKey, key: Key) -> None:
        keys = self.views.get(view)
        if keys is None:
            return
        position = bisect_left(keys, key)
        if position < len(keys) and keys[position] == key:
            del keys[position]

    def _record(self, obj: Obj) -> Record:
        object_id = obj["id"]
        existing = self.records.get(object_id)
        key = existing.key if existing is not None else (obj["created"], object_id)
        return Record(object_id, key, serialize(obj), self.schema.attrs(obj))


@dataclass(frozen=True, slots=True)
class Bounds:
    """Keys in ``[low, high)``; ``None`` leaves a side open."""

    low: Key | None = None
    high: Key | None = None


def after(key: Key) -> Key:
    """The smallest key greater than ``key`` (ids never contain NUL)."""
    return key[0], key[1] + "\x00"


def bounds_for(created_gte: int | None, created_lt: int | None, *, before: Key | None, above: Key | None) -> Bounds:
    """Bounds from a created range, ``starting_after`` (``before``: keys below it) and ``ending_before``."""
    low = (created_gte, "") if created_gte is not None else None
    if above is not None and (low is None or after(above) > low):
        low = after(above)
    high = (created_lt, "") if created_lt is not None else None
    if before is not None and (high is None or before < high):
        high = before
    return Bounds(low, high)


def _span(keys: Sequence[Key], bounds: Bounds) -> tuple[int, int]:
    low = bisect_left(keys, bounds.low) if bounds.low is not None else 0
    high = bisect_left(keys, bounds.high) if bounds.high is not None else len(keys)
    return low, max(low, high)


def page(
    views: Sequence[Sequence[Key]],
    bounds: Bounds,
    limit: int,
    *,
    backward: bool = False,
    accept: Callable[[Key], bool] | None = None,
) -> tuple[list[Key], bool]:
    """One page of keys, newest first, and whether more exist in the direction of travel.

    Forward (the default) returns the ``limit`` newest keys below ``bounds.high``; ``backward`` (``ending_before``)
    returns the ``limit`` keys just above ``bounds.low``. Several views are merged (their union); ``accept``
    filters keys that the views alone cannot select.
    """
    if len(views) == 1 and accept is None:
        low, high = _span(views[0], bounds)
        if backward:
            end = min(high, low + limit)
            return list(reversed(views[0][low:end])), end < high
        start = max(low, high - limit)
        return list(reversed(views[0][start:high])), start > low
    found: list[Key] = []
    for key in _walk(views, bounds, backward):
        if accept is None or accept(key):
            found.append(key)
            if len(found) > limit:
                break
    has_more = len(found) > limit
    found = found[:limit]
    if backward:
        found.reverse()
    return found, has_more


def _walk(views: Sequence[Sequence[Key]], bounds: Bounds, backward: bool) -> Iterator[Key]:
    def one(keys: Sequence[Key]) -> Iterator[Key]:
        low, high = _span(keys, bounds)
        indexes = range(low, high) if backward else range(high - 1, low - 1, -1)
        return (keys[i] for i in indexes)

    previous = None
    for key in heapq.merge(*(one(keys) for keys in views), reverse=not backward):
        if key != previous:
            yield key
        previous = key

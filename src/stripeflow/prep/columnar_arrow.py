"""The Arrow building blocks of columnar mapping plans (:mod:`stripeflow.prep.columnar`).

A *converter* takes the typed raw values of one source field (an Arrow array, one entry per record or per list
element) and returns the values written into one destination field, typed as the catalog dataset stores them
(:mod:`stripeflow.lake.xdm_arrow`), with ``null`` where the row-wise mapper writes nothing, and a *fallback mask*:
the entries the converter cannot map exactly as the row-wise mapper does (a value the row-wise mapper would
convert with an error, reject, or write differently). Masked rows are mapped row-wise; a mask of ``None`` flags
nothing. Each converter does what the writer of its destination node does (:func:`stripeflow.prep.destination.
compile_writer`): nulls are left out, objects left empty are not written, object copy keeps the children the
schema defines, list elements that end up empty are left out, maps drop null values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, TypeAlias

import orjson
import pyarrow as pa
import pyarrow.compute as pc

from stripeflow.prep.errors import RowError
from stripeflow.prep.validation import Walker

#: Rows (or list elements) to hand to the row-wise mapper: a boolean array without nulls, or ``None`` for none.
Mask: TypeAlias = "pa.Array | None"
Convert = Callable[[pa.Array], tuple[pa.Array, Mask]]
#: Evaluated on the context of its level (the record, or the elements of the lists a ``[*]`` follows).
Node = Callable[[pa.Array], tuple[pa.Array, Mask]]
#: The safe integer range of XDM ``long`` (the row-wise validator's limit).
SAFE: Final = 2**53 - 1
_ZERO: Final = pa.array([0], pa.int64())


def either(*masks: Mask) -> Mask:
    """The union of fallback masks."""
    found = [mask for mask in masks if mask is not None]
    if not found:
        return None
    result = found[0]
    for mask in found[1:]:
        result = pc.or_(result, mask)
    return result


def flag(condition: pa.Array) -> Mask:
    """``condition`` as a fallback mask (null counts as false); ``None`` when it flags nothing."""
    mask = pc.fill_null(condition, False)
    return mask if pc.any(mask).as_py() else None


def any_valid(arrays: Sequence[pa.Array], length: int) -> pa.Array:
    """Where at least one of ``arrays`` holds a value."""
    result = pa.repeat(pa.scalar(False), length)
    for array in arrays:
        result = pc.or_(result, array.is_valid())
    return result


def child(value: pa.StructArray, name: str) -> pa.Array:
    """Field ``name`` of a struct array, null wherever the struct is."""
    if value.null_count == 0:
        return value.field(name)
    return value.flatten()[value.type.get_field_index(name)]


def children(value: pa.StructArray) -> Callable[[str], pa.Array]:
    """The fields of a struct array by name, null wherever the struct is (flattened once)."""
    if value.null_count == 0:
        return lambda name: value.field(name)
    flat = value.flatten()
    return lambda name: flat[value.type.get_field_index(name)]


def identity(value: pa.Array) -> tuple[pa.Array, Mask]:
    return value, None


def safe_integer(value: pa.Array) -> tuple[pa.Array, Mask]:
    """int64 into a plain integer field: values beyond ±(2^53 − 1) are rejected row-wise."""
    return value, flag(pc.or_(pc.less(value, -SAFE), pc.greater(value, SAFE)))


def integer_to_number(value: pa.Array) -> tuple[pa.Array, Mask]:
    """int64 into a plain number field (written as the integer, stored as float64: exact within ±2^53)."""
    return pc.cast(value, pa.float64(), safe=False), flag(pc.or_(pc.less(value, -SAFE), pc.greater(value, SAFE)))


def finite(value: pa.Array) -> tuple[pa.Array, Mask]:
    """float64 into a plain number field: NaN and infinities are rejected row-wise."""
    return value, flag(pc.invert(pc.is_finite(value)))


def python_leaf(walker: Walker, out_type: pa.DataType, *, parse: bool) -> Convert:
    """Each non-null value through the row-wise writer of its field (``parse``: the raw value is JSON text, decoded
    first): the same conversions and checks, value by value; a value with any error flags its row."""

    def convert(value: pa.Array) -> tuple[pa.Array, Mask]:
        out: list[Any] = []
        bad: list[bool] = []
        for item in value.to_pylist():
            errors: list[RowError] = []
            written = None
            if item is not None:
                try:
                    written = walker(orjson.loads(item) if parse else item, errors, "")
                except orjson.JSONDecodeError:
                    errors.append(RowError("", ""))
            out.append(None if errors else written)
            bad.append(bool(errors))
        return pa.array(out, out_type), flag(pa.array(bad, pa.bool_()))

    return convert


def struct_copy(fields: Sequence[tuple[str, pa.DataType, Convert | None]], required: Sequence[str]) -> Convert:
    """Object copy of a struct: each destination field from the source field of its name (``None``: the source
    has none, nothing is written); the object is written when one of its fields is. A required field missing from
    a source object that is present is rejected row-wise."""
    out_fields = [pa.field(name, data_type) for name, data_type, _ in fields]

    def convert(value: pa.Array) -> tuple[pa.Array, Mask]:
        length = len(value)
        present = value.is_valid()
        source = children(value)
        arrays: dict[str, pa.Array] = {}
        masks: list[Mask] = []
        for name, data_type, sub in fields:
            if sub is None:
                arrays[name] = pa.nulls(length, data_type)
                continue
            arrays[name], found = sub(source(name))
            masks.append(found)
        masks += [flag(pc.and_(present, arrays[name].is_null())) for name in required]
        written = pc.and_(present, any_valid(list(arrays.values()), length))
        result = pa.StructArray.from_arrays(list(arrays.values()), fields=out_fields, mask=pc.invert(written))
        return result, either(*masks)

    return convert


def built_object(fields: Sequence[tuple[str, pa.DataType, Node | None]], required: Sequence[str]) -> Node:
    """A destination object whose fields other mappings write (evaluated on the level's context): written when one
    of its fields is; its required fields are checked when it is written."""
    out_fields = [pa.field(name, data_type) for name, data_type, _ in fields]

    def build(context: pa.Array) -> tuple[pa.Array, Mask]:
        length = len(context)
        arrays: dict[str, pa.Array] = {}
        masks: list[Mask] = []
        for name, data_type, node in fields:
            if node is None:
                arrays[name] = pa.nulls(length, data_type)
            else:
                arrays[name], found = node(context)
                masks.append(found)
        written = any_valid(list(arrays.values()), length)
        masks += [flag(pc.and_(written, arrays[name].is_null())) for name in required]
        result = pa.StructArray.from_arrays(list(arrays.values()), fields=out_fields, mask=pc.invert(written))
        return result, either(*masks)

    return build


def _exclusive_sum(values: pa.Array) -> pa.Array:
    """``[0, v0, v0 + v1, ...]`` as int64."""
    return pa.concat_arrays([_ZERO, pc.cumulative_sum(values.cast(pa.int64()))])


def _per_list(starts: pa.Array, ends: pa.Array, flags: pa.Array) -> pa.Array:
    """How many of each list's elements ``flags`` marks."""
    total = _exclusive_sum(flags)
    return pc.subtract(pc.take(total, ends), pc.take(total, starts))


def rebuild_list(
    source: pa.Array, values: pa.Array, out_type: pa.DataType, *, keep_empty: bool
) -> tuple[pa.Array, pa.Array]:
    """The lists of ``source`` (a list or map array) holding the non-null entries of ``values`` (one per element of
    ``source.flatten()``, in order): null where ``source`` is, and where nothing is left unless ``keep_empty``.
    Also returns the element offsets of each source list (for :func:`rows_of`)."""
    lengths = pc.fill_null(pc.list_value_length(source), 0)
    offsets = _exclusive_sum(lengths)
    starts, ends = offsets.slice(0, len(source)), offsets.slice(1)
    keep = values.is_valid()
    counts = _per_list(starts, ends, keep)
    written = source.is_valid() if keep_empty else pc.and_(source.is_valid(), pc.greater(counts, 0))
    new_offsets = _exclusive_sum(counts).cast(pa.int32())
    kept = values.filter(keep)
    mask = pc.invert(written)
    if pa.types.is_map(out_type):
        result = pa.MapArray.from_arrays(new_offsets, kept.field(0), kept.field(1), type=out_type, mask=mask)
    else:
        result = pa.ListArray.from_arrays(new_offsets, kept, type=out_type, mask=mask)
    return result, offsets


def rows_of(offsets: pa.Array, elements: Mask) -> Mask:
    """The lists (by the offsets :func:`rebuild_list` returned) with an element flagged in ``elements``."""
    if elements is None:
        return None
    return flag(pc.greater(_per_list(offsets.slice(0, len(offsets) - 1), offsets.slice(1), elements), 0))


def list_copy(items: Convert, out_type: pa.DataType, *, keep_empty: bool, whole_elements: bool) -> Convert:
    """Each element of a list converted by ``items``; elements left empty are left out. ``whole_elements``: a
    null element (a JSON null, or a value the raw writer could not store) is mapped row-wise."""

    def convert(value: pa.Array) -> tuple[pa.Array, Mask]:
        elements = value.flatten()
        out, found = items(elements)
        if whole_elements:
            found = either(found, flag(elements.is_null()))
        result, offsets = rebuild_list(value, out, out_type, keep_empty=keep_empty)
        return result, rows_of(offsets, found)

    return convert


def map_copy(out_type: pa.DataType) -> Convert:
    """A ``map<string, string>`` into a map of plain strings: null values are left out, empty maps not written."""

    def convert(value: pa.Array) -> tuple[pa.Array, Mask]:
        entries = pa.ListArray.from_arrays(value.offsets, value.values, mask=value.is_null())
        elements = entries.flatten()
        kept = pa.StructArray.from_arrays(
            [elements.field(0), elements.field(1)], names=["key", "value"], mask=elements.field(1).is_null()
        )
        result, _ = rebuild_list(entries, kept, out_type, keep_empty=False)
        return result, None

    return convert

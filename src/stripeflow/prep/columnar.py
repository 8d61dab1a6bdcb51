"""Columnar mapping: a mapping set compiled, when it allows, into a plan that Arrow runs on the typed columns of a
raw table, for the rows it can map exactly as the compiled row-wise mapper (:mod:`stripeflow.prep.compiler`) does.

Only the dataset writer process imports this module (it needs pyarrow). The plan follows the destination tree of
:func:`stripeflow.prep.compiler.analyse`:

* ATTRIBUTE mappings are projections of a raw column or struct field: scalars as they are (checked: integers
  within ±(2^53 − 1), finite numbers; constrained fields value by value through the row-wise writer), objects by
  object copy (the struct children the destination defines), lists element by element, maps without null values,
  ``json`` text decoded and written as the row-wise writer writes it;
* the default sets' expressions: ``dformat(<ts> * 1000, "yyyy-MM-dd'T'HH:mm:ssXXX")`` is the timestamp column as
  it is, the major amount ``to_decimal(<amount>) / decode(lower(<currency>), ...)`` an Arrow division;
* STATIC values are constant columns; ``[*]`` destinations follow their source list one level per ``[*]``.

Rows a check flags, and rows whose ``_raw`` may say something else than their typed columns
(:mod:`stripeflow.prep.columnar_guard`), go to the row-wise mapper. A set with a mapping the plan cannot express
(another expression, ``[n]``, a source with fewer or more ``[*]`` than its destination, a column the raw table
does not declare, a conversion between types...) raises :class:`Unsupported`: promote it row-wise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Final

import pyarrow as pa
import pyarrow.compute as pc

from stripeflow.lake.schema import Kind, arrow_type
from stripeflow.lake.xdm_arrow import SchemaError, XdmColumns, cast_parsed, field_type
from stripeflow.prep import columnar_arrow as arrow
from stripeflow.prep.codegen_objects import accepts
from stripeflow.prep.columnar_arrow import Convert, Mask, Node, either, flag
from stripeflow.prep.columnar_guard import guard_pattern, guarded
from stripeflow.prep.compiler import Leaf, analyse
from stripeflow.prep.defaults import native_inline
from stripeflow.prep.destination import Slot, compile_writer, read_level
from stripeflow.prep.mapping import MappingSet, SourceType
from stripeflow.prep.paths import Segment
from stripeflow.prep.validation import PLAIN_KEYWORDS, FieldSchema, is_plain
from stripeflow.xdm.stripe_layout import THREE_DECIMAL_CURRENCIES, ZERO_DECIMAL_CURRENCIES

__all__ = ["ColumnarMapper", "Unsupported", "compile_columnar"]

Getter = Callable[[pa.Array], pa.Array]
_LAST_MICROSECOND: Final = 253_402_300_799 * 1_000_000  # 9999-12-31T23:59:59Z, the date-time twin's limit
_CODES: Final = pa.array(sorted(ZERO_DECIMAL_CURRENCIES) + sorted(THREE_DECIMAL_CURRENCIES), pa.string())
_DIVISORS: Final = pa.array([1.0] * len(ZERO_DECIMAL_CURRENCIES) + [1000.0] * len(THREE_DECIMAL_CURRENCIES))
_SCALAR_CHECKS: Final = {
    "string": "string",
    "id": "string",
    "int": "int",
    "ts": "ts",
    "float": "float",
    "bool": "bool",
    "map": "map",
}


class Unsupported(ValueError):
    """The mapping set has no columnar plan (the message says which mapping and why): promote it row-wise."""


@dataclass(frozen=True)
class ColumnarMapper:
    """A mapping set's columnar plan for the raw table of one resource."""

    stored: pa.Schema  # the catalog dataset's stored columns (system columns excepted)
    source_columns: tuple[str, ...]  # the raw columns the plan reads
    source_types: Mapping[str, pa.DataType]
    pattern: str  # the guard's (see columnar_guard)
    root: Node
    required: tuple[str, ...]

    def map_table(self, batch: pa.RecordBatch) -> tuple[pa.Table, pa.Array]:
        """Map the rows of ``batch`` (the raw columns of :attr:`source_columns` and ``_raw``): the stored columns of
        the rows mapped here, in order, and the indexes (int64, ascending) of the rows left to the row-wise
        mapper. A batch without the columns the plan reads is left whole to the row-wise mapper."""
        context = self._context(batch)
        if context is None:
            return self.stored.empty_table(), pa.array(range(batch.num_rows), pa.int64())
        out, found = self.root(context)
        columns = out.flatten()
        required = [flag(columns[self.stored.get_field_index(name)].is_null()) for name in self.required]
        found = either(found, *required, flag(guarded(batch.column("_raw"), self.pattern)))
        table = pa.Table.from_arrays(columns, schema=self.stored)
        if found is None:
            return table, pa.array([], pa.int64())
        return table.filter(pc.invert(found)), pc.indices_nonzero(found).cast(pa.int64())

    def _context(self, batch: pa.RecordBatch) -> pa.StructArray | None:
        arrays = []
        for name in self.source_columns:
            index = batch.schema.get_field_index(name)
            if index < 0:
                return None
            column, wanted = batch.column(index), self.source_types[name]
            try:
                arrays.append(column if column.type == wanted else column.cast(wanted))
            except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError):
                return None
        if arrays:
            record = pa.StructArray.from_arrays(arrays, names=list(self.source_columns))
        else:
            record = pa.StructArray.from_arrays([pa.nulls(batch.num_rows, pa.bool_())], names=["_"])
        return pa.StructArray.from_arrays([record], names=["data"])


def compile_columnar(mapping_set: MappingSet, schema: dict[str, Any], kinds: Mapping[str, Kind]) -> ColumnarMapper:
    """The columnar plan of ``mapping_set`` for ``schema`` (resolved XDM) over a raw table of column ``kinds``
    (:func:`stripeflow.lake.schema.resource_schema`); raises :class:`Unsupported` when there is none."""
    analysis = analyse(mapping_set, schema)
    if analysis.problems:
        raise Unsupported("; ".join(analysis.messages(mapping_set)))
    try:
        stored = XdmColumns(schema).stored
    except SchemaError as exc:
        raise Unsupported(str(exc)) from exc
    planner = _Planner(analysis.leaves, kinds)
    root = planner.build(analysis.root, {"data": dict(kinds)}, 0, required=False)
    if pa.struct(list(stored)) != field_type(schema):
        raise Unsupported("the schema's columns are not those of its dataset")
    try:
        pattern = guard_pattern(planner.keys)
    except ValueError as exc:
        raise Unsupported(str(exc)) from exc
    assert analysis.root.schema is not None
    columns = tuple(name for name in kinds if name in planner.columns)
    types = {name: arrow_type(kinds[name]) for name in columns}
    return ColumnarMapper(stored, columns, types, pattern, root, analysis.root.schema.required)


class _Planner:
    def __init__(self, leaves: dict[int, Leaf], kinds: Mapping[str, Kind]) -> None:
        self.leaves = leaves
        self.kinds = kinds
        self.keys: set[tuple[str, str]] = set()  # (key, check) pairs for the guard
        self.columns: set[str] = set()
        self.follows: list[tuple[Segment, ...]] = []

    def slot(self, slot: Slot, kind: Kind, level: int) -> Node:
        if slot.mapping is not None:
            return self.leaf(self.leaves[slot.mapping], kind, level)
        if slot.element is not None:
            return self.each(slot, kind, level)
        return self.build(slot, kind, level, required=True)

    def build(self, slot: Slot, kind: Kind, level: int, *, required: bool) -> Node:
        node = _schema(slot)
        if node.kind != "object" or not node.properties:
            raise Unsupported(f"{slot.text or 'the row'}: fields written into a {node.kind}")
        fields = [
            (
                name,
                field_type(child.raw),
                self.slot(slot.children[name], kind, level) if name in slot.children else None,
            )
            for name, child in node.properties.items()
        ]
        return arrow.built_object(fields, node.required if required else ())

    def each(self, slot: Slot, kind: Kind, level: int) -> Node:
        element = slot.element
        assert element is not None
        assert element.follows is not None
        outer = self.follows[-1] if self.follows else None
        relative = element.follows[len(outer) + 1 :] if outer is not None else element.follows
        get, source, key = self.resolve(relative, kind, level)
        if not isinstance(source, list):
            raise Unsupported(f"{slot.text}: follows {relative}, which is not a list")
        inner = source[0]
        if not isinstance(inner, dict) and inner not in ("string", "id", "int", "bool"):
            raise Unsupported(f"{slot.text}: follows a list of {inner}")
        self.check(key, "list" if isinstance(inner, dict) else "list:" + _SCALAR_CHECKS[str(inner)])
        self.follows.append(element.follows)
        element_node = self.slot(element, inner, level + 1)
        self.follows.pop()
        out_type = field_type(_schema(slot).raw)
        whole = isinstance(inner, dict)

        def node(context: pa.Array) -> tuple[pa.Array, Mask]:
            lists = get(context)
            elements = lists.flatten()
            out, found = element_node(elements)
            if whole:
                found = either(found, flag(elements.is_null()))
            result, offsets = arrow.rebuild_list(lists, out, out_type, keep_empty=False)
            return result, arrow.rows_of(offsets, found)

        return node

    def leaf(self, leaf: Leaf, kind: Kind, level: int) -> Node:
        target = _schema(leaf.slot)
        if leaf.kind is SourceType.STATIC:
            return _static(leaf.static, target)
        if leaf.kind is SourceType.EXPRESSION:
            return self.expression(leaf, kind, level)
        if leaf.level != level:
            raise Unsupported(f"{leaf.slot.text}: its source has fewer or more [*] than its destination")
        get, source, key = self.resolve(leaf.read, kind, level)
        convert = self.convert(source, target, key)
        return lambda context: convert(get(context))

    def expression(self, leaf: Leaf, kind: Kind, level: int) -> Node:
        assert leaf.expression is not None
        twin = native_inline(leaf.expression)
        reads = [read_level(leaf.slot, path) for path in twin.paths] if twin is not None else []
        if twin is None or any(at != level for at, _ in reads):
            raise Unsupported(f"{leaf.slot.text}: the expression {leaf.expression.text[:80]!r} has no columnar form")
        sources = [self.resolve(read, kind, level) for _, read in reads]
        target = _schema(leaf.slot)
        if twin.kind == "date-time":
            ((get, source, key),) = sources
            if source != "ts" or not accepts(target, "date-time") or target.raw.get("format") != "date-time":
                raise Unsupported(f"{leaf.slot.text}: a date-time of a {source} into a {target.kind}")
            self.check(key, "ts")
            return lambda context: _date_time(get(context))
        (get_amount, amount, amount_key), (get_currency, currency, currency_key) = sources
        if amount != "int" or currency not in ("string", "id") or not accepts(target, "number"):
            raise Unsupported(f"{leaf.slot.text}: a major amount of a {amount} and a {currency}")
        if field_type(target.raw) != pa.float64():
            raise Unsupported(f"{leaf.slot.text}: a major amount into an integer field")
        self.check(amount_key, "int")
        self.check(currency_key, "string")
        return lambda context: _major(get_amount(context), get_currency(context))

    def resolve(self, path: tuple[Segment, ...], kind: Kind, level: int) -> tuple[Getter, Kind, str | None]:
        """How to read ``path`` from the context of ``level``: the getter, the raw kind read, the JSON key."""
        steps: list[str] = []
        key: str | None = None
        for segment in path:
            if not isinstance(segment, str) or not isinstance(kind, dict) or segment not in kind:
                raise Unsupported(f"the source path {path} is not a raw column (or reads [*] or [n])")
            self.check(key, "struct")
            if level == 0 and len(steps) == 1:
                self.columns.add(segment)
            kind = kind[segment]
            key = segment if steps or level else None  # the record itself ("data") has no key
            steps.append(segment)
        if level == 0 and len(steps) == 1:
            self.columns.update(self.kinds)  # the whole record

        def get(context: pa.Array) -> pa.Array:
            for step in steps:
                context = arrow.child(context, step)
            return context

        return get, kind, key

    def check(self, key: str | None, check: str) -> None:
        if key is not None:
            self.keys.add((key, check))

    def convert(self, kind: Kind, target: FieldSchema, key: str | None) -> Convert:
        """The converter of values of raw ``kind`` (under ``key``) written into ``target`` (an attribute copy)."""
        out_type = field_type(target.raw)
        if isinstance(kind, dict):
            self.check(key, "struct")
            return self.struct(kind, target)
        if isinstance(kind, list):
            return self.list(kind[0], target, key, out_type)
        if kind in _SCALAR_CHECKS:
            self.check(key, _SCALAR_CHECKS[kind])
        return _scalar(str(kind), target, out_type)

    def struct(self, kind: dict[str, Any], target: FieldSchema) -> Convert:
        if target.kind != "object" or not target.properties:
            raise Unsupported(f"an object copied into a {target.kind}")
        fields: list[tuple[str, pa.DataType, Convert | None]] = []
        for name, child in target.properties.items():
            if name in kind:
                fields.append((name, field_type(child.raw), self.convert(kind[name], child, name)))
            else:
                self.check(name, "missing")
                fields.append((name, field_type(child.raw), None))
        return arrow.struct_copy(fields, target.required)

    def list(self, inner: Kind, target: FieldSchema, key: str | None, out_type: pa.DataType) -> Convert:
        if target.kind != "array" or target.items is None:
            raise Unsupported(f"a list copied into a {target.kind}")
        if isinstance(inner, dict):
            self.check(key, "list")
            items = self.struct(inner, target.items)
        elif inner in ("string", "id", "int", "bool"):
            self.check(key, "list:" + _SCALAR_CHECKS[str(inner)])
            items = _scalar(str(inner), target.items, field_type(target.items.raw))
        else:
            raise Unsupported(f"a list of {inner} has no columnar form")
        return arrow.list_copy(items, out_type, keep_empty=True, whole_elements=isinstance(inner, dict))


def _schema(slot: Slot) -> FieldSchema:
    if slot.schema is None:
        raise Unsupported("a mapping set compiled without a schema has no columnar plan")
    return slot.schema


def _scalar(kind: str, target: FieldSchema, out_type: pa.DataType) -> Convert:
    """Scalars: the same type only (integers also into plain numbers); constrained fields value by value."""
    plain_keywords = PLAIN_KEYWORDS.issuperset(target.raw)
    if kind in ("string", "id", "json") and target.kind == "string" and out_type == pa.string():
        if kind != "json" and is_plain(target):
            return arrow.identity
        return arrow.python_leaf(compile_writer(target), out_type, parse=kind == "json")
    if kind == "int" and target.kind == "integer" and out_type == pa.int64():
        return (
            arrow.safe_integer if is_plain(target) else arrow.python_leaf(compile_writer(target), out_type, parse=False)
        )
    if kind == "int" and target.kind == "number" and out_type == pa.float64() and plain_keywords:
        return arrow.integer_to_number
    if kind == "float" and target.kind == "number" and out_type == pa.float64():
        return arrow.finite if plain_keywords else arrow.python_leaf(compile_writer(target), out_type, parse=False)
    if kind == "bool" and target.kind == "boolean":
        return arrow.identity if is_plain(target) else arrow.python_leaf(compile_writer(target), out_type, parse=False)
    values = target.values
    if kind == "map" and target.kind == "map" and values is not None and is_plain(values) and values.kind == "string":
        return arrow.map_copy(out_type)
    raise Unsupported(f"a raw {kind} into a {target.kind} field has no columnar form")


def _static(value: Any, target: FieldSchema) -> Node:
    out_type = field_type(target.raw)
    if value is None:
        return lambda context: (pa.nulls(len(context), out_type), None)
    if isinstance(value, dict | list):
        raise Unsupported("a STATIC object or array has no columnar form")
    try:
        scalar = cast_parsed(pa.array([value], field_type(target.raw, parsed=True)), out_type)[0]
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError, OverflowError) as exc:
        raise Unsupported(f"the STATIC value {value!r} has no columnar form") from exc
    return lambda context: (pa.repeat(scalar, len(context)), None)


def _date_time(value: pa.Array) -> tuple[pa.Array, Mask]:
    """The date-time twin: an epoch within [0, 9999-12-31T23:59:59] is the instant itself (the stored type)."""
    micros = value.cast(pa.int64())
    return value, flag(pc.or_(pc.less(micros, 0), pc.greater(micros, _LAST_MICROSECOND)))


def _major(amount: pa.Array, currency: pa.Array) -> tuple[pa.Array, Mask]:
    """The major amount twin: ``amount / divisor(currency)``; other inputs (no currency, a non-ASCII code, an
    amount beyond ±2^53) are left to the expression language, row-wise."""
    odd = pc.or_(currency.is_null(), pc.invert(pc.fill_null(pc.string_is_ascii(currency), False)))
    odd = pc.or_(odd, pc.or_(pc.less(amount, -arrow.SAFE), pc.greater(amount, arrow.SAFE)))
    found = flag(pc.and_(amount.is_valid(), odd))
    divisor = pc.fill_null(pc.take(_DIVISORS, pc.index_in(pc.ascii_lower(currency), value_set=_CODES)), 100.0)
    return pc.divide(pc.cast(amount, pa.float64(), safe=False), divisor), found

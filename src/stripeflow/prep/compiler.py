"""Compiled mappers: a mapping set and its schema turned, once, into one straight-line Python function.

:func:`compile_mapping` generates the source of a function ``_map(record, errors) -> dict`` (like fastjsonschema
does for validators) and ``exec`` s it once. The function reads every source path once (shared prefixes are read
once, each dict step guarded by one class check), evaluates the compiled expressions, converts and checks each
value against its destination field as it writes it (:mod:`stripeflow.prep.codegen_objects`: plain scalars by
class, objects copied by inline code per schema node; the walkers of :mod:`stripeflow.prep.validation` only for the
rest) and checks required fields of the objects it builds. The native twins of the default expressions run inline
on the values already read (:func:`stripeflow.prep.defaults.native_inline`). There is no dispatch on the
mapping type per record, no re-parsing and no deep copy.

Semantics (see ``docs/mapping.md``):

* ATTRIBUTE copies the value at the source path; an object written into an XDM object keeps the children the
  schema defines (the *object copy* rule: children added to the source later are copied when the schema has them)
  and drops the others; maps keep every key; scalar lists are written as they are.
* STATIC writes its literal, converted to the destination type when the set is compiled (``"12"`` into an integer
  is ``12``); a literal that cannot be converted is a mapping set error, not a row error.
* EXPRESSION evaluates the compiled expression; under ``[*]`` destinations it runs once per element with the
  element indexes. An :class:`~stripeflow.prep.el.EvaluationError` leaves that destination out and records
  ``MAPPER-3700-400``; the row goes on.
* ``[*]``: the k-th ``[*]`` of a destination follows the k-th ``[*]`` of its source (for expressions: of the
  paths they read); every mapping under one destination array must follow the same source array. A source with
  fewer ``[*]`` than its destination (or a STATIC) is repeated in every element; a source with more ``[*]``
  writes the list of the remaining elements' values. Elements that end up empty are left out.
* Nulls are never written (``allowNullValues`` false) and objects left empty are not written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from stripeflow.prep.codegen_objects import PathText, accepts, indent, path_text, required, store, write_value
from stripeflow.prep.defaults import native_expression, native_inline
from stripeflow.prep.destination import (
    DestinationError,
    MappedRow,
    Mapper,
    Slot,
    compile_writer,
    follow,
    place,
    plain_value,
    read_level,
    unfollowed,
)
from stripeflow.prep.el import EvalContext, EvaluationError, Expression, ExpressionError, compile_expression
from stripeflow.prep.errors import (
    EXPRESSION_SYNTAX,
    INGEST_REQUIRED,
    INVALID_DESTINATION_PATH,
    INVALID_SOURCE_PATH,
    MAPPER_TRANSFORM,
    TYPE_INCOMPATIBLE,
    WILDCARD_MISMATCH,
    XDM_TYPE,
    MappingSetError,
    RowError,
)
from stripeflow.prep.mapping import Mapping, MappingSet, SourceType
from stripeflow.prep.paths import PathError, Segment, Wildcard, compile_getter, parse_path, wildcard_prefix
from stripeflow.prep.validation import field_schema, type_name

__all__ = ["Analysis", "Leaf", "MappedRow", "Mapper", "analyse", "compile_mapping"]


@dataclass(eq=False)
class Leaf:
    """One mapping, ready to generate: where it writes, and what it reads."""

    index: int
    slot: Slot
    kind: SourceType
    level: int = 0
    read: tuple[Segment, ...] = ()
    expression: Expression | None = None
    static: Any = None


@dataclass
class Analysis:
    """A mapping set checked against a schema: the destination tree, one :class:`Leaf` per good mapping, and the
    problems of the others as ``{index: [(code, message), ...]}``."""

    root: Slot
    leaves: dict[int, Leaf] = field(default_factory=dict)
    problems: dict[int, list[tuple[str, str]]] = field(default_factory=dict)

    def messages(self, mapping_set: MappingSet) -> list[str]:
        return [
            f"mappings[{index}] (destination {mapping_set.mappings[index].destination!r}): {message}"
            for index, found in sorted(self.problems.items())
            for _, message in found
        ]


def compile_mapping(
    mapping_set: MappingSet, schema: dict[str, Any] | None, *, context: EvalContext | None = None
) -> Mapper:
    """Compile ``mapping_set`` for ``schema`` (a resolved XDM schema; ``None`` writes values unchecked).

    Raises :class:`MappingSetError` listing every mapping that cannot be compiled and why.
    """
    analysis = analyse(mapping_set, schema)
    problems = analysis.messages(mapping_set)
    if problems:
        raise MappingSetError(problems)
    generator = _Generator(analysis.leaves, context or EvalContext())
    source = generator.module(analysis.root)
    namespace = dict(generator.names)
    exec(compile(source, f"<mapper {mapping_set.id or mapping_set.name or ''}>", "exec"), namespace)  # noqa: S102
    return Mapper(namespace["_map"], source)


def analyse(mapping_set: MappingSet, schema: dict[str, Any] | None) -> Analysis:
    """Parse every mapping, place its destination, find the arrays it follows; collects the problems."""
    analysis = Analysis(Slot((), field_schema(schema) if schema is not None else None))
    for index, mapping in enumerate(mapping_set.mappings):
        try:
            leaf, sources = _leaf(index, mapping, analysis.root)
            follow(leaf.slot, sources)
            if leaf.kind is SourceType.ATTRIBUTE:
                leaf.level, leaf.read = read_level(leaf.slot, sources[0])
            analysis.leaves[index] = leaf
        except (_Problem, DestinationError) as exc:
            analysis.problems.setdefault(index, []).append((exc.code, str(exc)))
    lonely = unfollowed(analysis.root)
    if lonely is not None:
        index = _first_mapping_under(lonely)
        message = f"nothing says which source array {lonely.text} follows: map a source path with [*] into it"
        analysis.problems.setdefault(index, []).append((WILDCARD_MISMATCH, message))
    return analysis


class _Problem(ValueError):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def _leaf(index: int, mapping: Mapping, root: Slot) -> tuple[Leaf, list[tuple[Segment, ...]]]:
    try:
        destination = parse_path(mapping.destination)
    except PathError as exc:
        raise _Problem(INVALID_DESTINATION_PATH, f"bad destination path at position {exc.position}: {exc}") from exc
    kind = mapping.source_type
    sources: list[tuple[Segment, ...]] = []
    leaf = Leaf(index, root, kind)
    if kind is SourceType.ATTRIBUTE:
        try:
            sources.append(parse_path(str(mapping.source)))
        except PathError as exc:
            raise _Problem(INVALID_SOURCE_PATH, f"bad source path at position {exc.position}: {exc}") from exc
    elif kind is SourceType.EXPRESSION:
        try:
            leaf.expression = compile_expression(str(mapping.source))
        except ExpressionError as exc:
            raise _Problem(EXPRESSION_SYNTAX, f"expression error at position {exc.position}: {exc.reason}") from exc
        sources.extend(parse_path(path) for path in leaf.expression.paths)
    leaf.slot = place(root, destination, index)
    if kind is SourceType.STATIC:
        leaf.static = _static_value(leaf.slot, mapping.source)
    return leaf, sources


def _static_value(slot: Slot, literal: Any) -> Any:
    if slot.schema is None or literal is None:
        return literal
    errors: list[RowError] = []
    value = compile_writer(slot.schema)(literal, errors, slot.text)
    if errors:
        raise _Problem(TYPE_INCOMPATIBLE, f"the STATIC value {literal!r} cannot be written here: {errors[0].message}")
    return value


def _first_mapping_under(slot: Slot) -> int:
    pending = [slot]
    while pending:
        current = pending.pop()
        if current.mapping is not None:
            return current.mapping
        pending.extend(current.children.values())
        if current.element is not None:
            pending.append(current.element)
    return 0


@dataclass(eq=False)
class _Fetch:
    """A source path read once in one loop level; ``children`` are the steps below it."""

    var: str
    children: dict[Segment, _Fetch] = field(default_factory=dict)


class _Generator:
    """Writes the Python source of ``_map``; ``names`` are the constants its namespace needs."""

    def __init__(self, leaves: dict[int, Leaf], context: EvalContext) -> None:
        self.leaves = leaves
        self.names: dict[str, Any] = {
            "_RowError": RowError,
            "_EvaluationError": EvaluationError,
            "_context": context,
            "_plain": plain_value,
            "_str": str,
            "_bool": bool,
            "_int": int,
            "_dict": dict,
            "_list": list,
            "_REQUIRED": INGEST_REQUIRED,
            "_MAPPER": MAPPER_TRANSFORM,
            "_XDM_TYPE": XDM_TYPE,
            "_type_name": type_name,
        }
        self.counter = 0
        self.levels: list[_Fetch] = []
        self.follows: list[tuple[Segment, ...]] = []

    def module(self, root: Slot) -> str:
        self.levels.append(_Fetch("record"))
        body = [*self.object(root, "out"), *self.required(root, "out"), "return out"]
        fetches = ["odd = False", *self.fetches(self.levels.pop(), known_dict=True)]
        lines = ["def _map(record, errors):", *indent(fetches + body)]
        return "\n".join(lines) + "\n"

    def name(self, prefix: str, value: Any = None) -> str:
        self.counter += 1
        name = f"{prefix}{self.counter}"
        if value is not None:
            self.names[name] = value
        return name

    def fetch(self, level: int, path: tuple[Segment, ...]) -> str:
        node = self.levels[level]
        for segment in path:
            child = node.children.get(segment)
            if child is None:
                child = node.children[segment] = _Fetch(self.name("s"))
            node = child
        return node.var

    def fetches(self, node: _Fetch, *, known_dict: bool = False) -> list[str]:
        lines: list[str] = []
        keys = [(key, child) for key, child in node.children.items() if isinstance(key, str)]
        indexes = [(key, child) for key, child in node.children.items() if isinstance(key, int)]
        if keys:
            body = [f"{child.var} = {node.var}.get({key!r})" for key, child in keys]
            body += [line for _, child in keys for line in self.fetches(child)]
            if known_dict:
                lines += body
            else:
                lines += [f"if {node.var}.__class__ is _dict:", *indent(body), "else:", *indent(_nones(node, keys))]
        if indexes:
            body = [f"{child.var} = {node.var}[{key}] if len({node.var}) > {key} else None" for key, child in indexes]
            body += [line for _, child in indexes for line in self.fetches(child)]
            lines += [f"if {node.var}.__class__ is _list:", *indent(body), "else:", *indent(_nones(node, indexes))]
        return lines

    def object(self, slot: Slot, var: str) -> list[str]:
        lines = [f"{var} = {{}}"]
        for key, child in slot.children.items():
            lines += self.slot(child, var, repr(key))
        return lines

    def slot(self, slot: Slot, target: str, key: str | None) -> list[str]:
        if slot.mapping is not None:
            return self.leaf(self.leaves[slot.mapping], target, key)
        if slot.element is not None:
            return self.array(slot, target, key)
        guard = self.guard(slot)
        sub = self.name("o")
        lines = [*self.object(slot, sub), f"if {sub}:", *indent([*self.required(slot, sub), _store(target, key, sub)])]
        return lines if guard is None else [f"if {guard} is not None or odd:", *indent(lines)]

    def guard(self, slot: Slot) -> str | None:
        """A value that every field of the object ``slot`` reads from, when there is one: while it is ``None``,
        the object stays empty (unless ``odd``, when a twin may read through something that is not a dict)."""
        reads = _reads(slot, self.leaves)
        if not reads or len({level for level, _ in reads}) != 1:
            return None
        prefix = reads[0][1]
        for _, path in reads:
            prefix = prefix[: next((i for i, (a, b) in enumerate(zip(prefix, path, strict=False)) if a != b), None)]
            prefix = prefix[: len(path)]
        return self.fetch(reads[0][0], prefix) if prefix else None

    def array(self, slot: Slot, target: str, key: str | None) -> list[str]:
        element = slot.element
        assert element is not None
        assert element.follows is not None
        level = element.depth - 1
        outer = self.follows[-1] if self.follows else None
        relative = element.follows[len(outer) + 1 :] if outer is not None else element.follows
        source = self.fetch(level, relative)
        out, index, item = self.name("a"), f"i{level}", f"e{level}"
        self.levels.append(_Fetch(item))
        self.follows.append(element.follows)
        body = self.slot(element, out, None)
        self.follows.pop()
        body = self.fetches(self.levels.pop()) + body
        loop = [f"if {source}.__class__ is _list:", f"    for {index}, {item} in enumerate({source}):"]
        return [f"{out} = []", *loop, *indent(body, 2), f"if {out}:", f"    {_store(target, key, out)}"]

    def required(self, slot: Slot, var: str) -> list[str]:
        if slot.schema is None or slot.schema.kind != "object":
            return []
        return required(slot.schema, var, lambda name: path_text((*slot.path, name)))

    def leaf(self, leaf: Leaf, target: str, key: str | None) -> list[str]:
        slot = leaf.slot
        path = path_text(slot.path)
        if leaf.kind is SourceType.STATIC:
            return [] if leaf.static is None else [_store(target, key, self.name("c", [leaf.static]) + "[0]")]
        if leaf.kind is SourceType.EXPRESSION:
            return self.expression(leaf, target, key)
        wild = next((i for i, segment in enumerate(leaf.read) if isinstance(segment, Wildcard)), None)
        if wild is None:
            return self.write(slot, self.fetch(leaf.level, leaf.read), target, key, path, plain=False)
        base = self.fetch(leaf.level, leaf.read[:wild])
        getter = self.name("g", compile_getter(leaf.read[wild:]))
        lines = [f"v = {getter}({base}, ()) if {base} is not None else None"]
        return lines + self.write(slot, "v", target, key, path, plain=False)

    def expression(self, leaf: Leaf, target: str, key: str | None) -> list[str]:
        """Evaluate the expression and write its value; a native twin's common case runs inline."""
        slot, path, expression = leaf.slot, path_text(leaf.slot.path), leaf.expression
        assert expression is not None
        evaluate = self.name("x", native_expression(expression) or expression.evaluate)
        indexes = "(" + "".join(f"i{level}, " for level in range(slot.depth)) + ")"
        lines = [
            "try:",
            f"    v = {evaluate}(record, {indexes}, _context)",
            "except _EvaluationError as exc:",
            "    v = None",
            f"    errors.append(_RowError(_MAPPER, str(exc), {path.expression}))",
            *self.write(slot, "v", target, key, path, plain=True),
        ]
        twin = native_inline(expression)
        reads = [read_level(slot, source) for source in twin.paths] if twin is not None else []
        if twin is None or any(isinstance(segment, Wildcard) for _, read in reads for segment in read):
            return lines
        values = [self.fetch(level, read) for level, read in reads]
        self.names.update(twin.names)
        fast = twin.value.format(*values)
        if slot.schema is None or accepts(slot.schema, twin.kind):
            written = [_store(target, key, fast)]
        else:
            written = [f"v = {fast}", *self.write(slot, "v", target, key, path, plain=True)]
        test, none = twin.test.format(*values), twin.none.format(*values)
        return [f"if {test}:", *indent(written), f"elif odd or not ({none}):", *indent(lines)]

    def write(self, slot: Slot, value: str, target: str, key: str | None, path: PathText, *, plain: bool) -> list[str]:
        if slot.schema is None:
            written = f"_plain({value})" if plain else value
            return [f"if {value} is not None:", f"    {_store(target, key, written)}"]
        return [f"if {value} is not None:", *indent(write_value(self, slot.schema, value, path, store(target, key)))]


def _reads(slot: Slot, leaves: dict[int, Leaf]) -> list[tuple[int, tuple[Segment, ...]]] | None:
    """Where the fields of the object ``slot`` read (loop level, path), or ``None`` when one of them may write
    something while all of these are ``None``: a STATIC, an array, an expression without an inline twin."""
    found: list[tuple[int, tuple[Segment, ...]]] = []
    for child in slot.children.values():
        if child.mapping is None:
            inner = _reads(child, leaves) if child.element is None else None
            if inner is None:
                return None
            found += inner
            continue
        leaf = leaves[child.mapping]
        if leaf.kind is SourceType.ATTRIBUTE:
            found.append((leaf.level, wildcard_prefix(leaf.read)))
            continue
        twin = native_inline(leaf.expression) if leaf.expression is not None else None
        if twin is None:
            return None
        found += [read_level(child, path) for path in twin.paths]
        if any(isinstance(segment, Wildcard) for _, path in found for segment in path):
            return None
    return found


def _store(target: str, key: str | None, value: str) -> str:
    return f"{target}.append({value})" if key is None else f"{target}[{key}] = {value}"


def _nones(parent: _Fetch, children: Sequence[tuple[Segment, _Fetch]]) -> list[str]:
    """The reads below a value that is not a dict (list): ``None``. ``odd`` says that the expression language,
    which also reads other mappings (sequences), might have read something there."""
    names: list[str] = []
    pending = [child for _, child in children]
    while pending:
        node = pending.pop()
        names.append(node.var)
        pending.extend(node.children.values())
    return [" = ".join(names) + " = None", f"if {parent.var} is not None: odd = True"]

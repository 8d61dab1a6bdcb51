"""Generated code that writes one value into one destination field: straight-line, specialised per schema node.

:mod:`stripeflow.prep.compiler` asks :func:`write_value` for the lines that convert, check and store a value it has
read. Plain scalars (unconstrained string, integer within ±(2^53 − 1), boolean) are checked inline by class, and
only a value of another class goes to the converting walker (:func:`stripeflow.prep.destination.compile_writer`).
Objects are copied inline, one ``get`` per field the schema defines, recursively (the *object copy* rule of
:mod:`stripeflow.prep.validation`, unrolled): no generic walker, no per-key dispatch, no path joined at run time.
Maps of an empty source, and objects without required fields whose source is empty, cost one test.

Every generated branch does what the walker of the node would do, with the same error codes, messages and paths
(only the order of the errors inside one copied object may differ: schema order instead of source order).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Final, Protocol

from stripeflow.prep.destination import compile_writer
from stripeflow.prep.paths import Segment, Wildcard, format_path
from stripeflow.prep.validation import PLAIN_KEYWORDS, FieldSchema, is_plain

#: An object with more fields than this (all depths) is copied by its walker instead of inline code.
INLINE_FIELDS: Final = 400
_SAFE: Final = 2**53 - 1
_FAST_CLASSES: Final = {"string": "_str", "boolean": "_bool", "integer": "_int"}


class Namer(Protocol):
    """Gives fresh variable names, and constants of the generated function's namespace (when ``value`` is set)."""

    def name(self, prefix: str, value: Any = None) -> str: ...


class PathText:
    """A destination path in error messages: ``text`` may hold ``{i0}`` loop indexes when ``dynamic``."""

    def __init__(self, text: str, dynamic: bool) -> None:
        self.text = text
        self.dynamic = dynamic

    @property
    def expression(self) -> str:
        """The Python expression of the path: a constant, or an f-string of the loop indexes."""
        return ("f" if self.dynamic else "") + repr(self.text)

    def join(self, name: str) -> PathText:
        """The path of child ``name`` as the walkers write it (``path.name``, the name as is)."""
        escaped = name.replace("{", "{{").replace("}", "}}") if self.dynamic else name
        return PathText(f"{self.text}.{escaped}" if self.text else escaped, self.dynamic)


Store = Callable[[str], str]


def indent(lines: Sequence[str], levels: int = 1) -> list[str]:
    pad = "    " * levels
    return [pad + line for line in lines]


def store(target: str, key: str | None) -> Store:
    """The statement storing a value into ``target[key]``, or appending it to the list ``target``."""
    return lambda value: f"{target}.append({value})" if key is None else f"{target}[{key}] = {value}"


def write_value(namer: Namer, node: FieldSchema, value: str, path: PathText, put: Store) -> list[str]:
    """Lines writing ``value`` (a variable, known not ``None``) into a field of ``node``: converted, checked,
    stored with ``put`` unless nothing is left; errors are appended to ``errors``."""
    if node.kind == "any":
        return [put(value)]
    if node.kind == "object" and _size(node) <= INLINE_FIELDS:
        return _copy_object(namer, node, value, path, put)
    slow = _slow(namer, node, value, path, put)
    if node.kind == "map":
        return [f"if {value}.__class__ is not _dict or {value}:", *indent(slow)]
    if not is_plain(node):
        return slow
    test = f"{value}.__class__ is {_FAST_CLASSES[node.kind]}"
    if node.kind == "integer":
        test += f" and {-_SAFE} <= {value} <= {_SAFE}"
    return [f"if {test}:", f"    {put(value)}", "else:", *indent(slow)]


def _slow(namer: Namer, node: FieldSchema, value: str, path: PathText, put: Store) -> list[str]:
    walker, written = namer.name("w", compile_writer(node)), namer.name("t")
    return [f"{written} = {walker}({value}, errors, {path.expression})", f"if {written} is not None: {put(written)}"]


def _copy_object(namer: Namer, node: FieldSchema, value: str, path: PathText, put: Store) -> list[str]:
    out, item = namer.name("o"), namer.name("v")
    body = [f"{out} = {{}}"]
    for name, child in node.properties.items():
        lines = write_value(namer, child, item, path.join(name), store(out, repr(name)))
        body += [f"{item} = {value}.get({name!r})", f"if {item} is not None:", *indent(lines)]
    body += [*required(node, out, path.join), f"if {out}:", f"    {put(out)}"]
    if not node.required:  # an empty source writes nothing and has nothing to report
        body = [f"if {value}:", *indent(body)]
    wrong = f"'expected an object, got ' + _type_name({value})"
    return [
        f"if {value}.__class__ is _dict:",
        *indent(body),
        "else:",
        f"    errors.append(_RowError(_XDM_TYPE, {wrong}, {path.expression if path.text else None}))",
    ]


def _size(node: FieldSchema) -> int:
    return sum(1 + (_size(child) if child.kind == "object" else 0) for child in node.properties.values())


def required(node: FieldSchema, var: str, path: Callable[[str], PathText]) -> list[str]:
    """Lines reporting each required field of the object ``node`` that the object ``var`` lacks; ``path`` gives
    the path of a field."""
    message = "'required field is missing or null'"
    return [
        f"if {name!r} not in {var}: errors.append(_RowError(_REQUIRED, {message}, {path(name).expression}))"
        for name in node.required
    ]


def accepts(node: FieldSchema, kind: str) -> bool:
    """Whether every value of an inline twin's ``kind`` (see :class:`stripeflow.prep.defaults.InlineTwin`) is
    written into ``node`` as it is, with no conversion and no error."""
    extra = set(node.raw) - PLAIN_KEYWORDS
    if kind == "date-time":
        return node.kind == "string" and extra <= {"format"} and node.raw.get("format") in (None, "date-time")
    return node.kind == "any" or (kind == "number" and node.kind == "number" and not extra)


def path_text(segments: tuple[Segment, ...]) -> PathText:
    """The path of a destination in errors, with the loop index of each ``[*]`` (``x.items[{i0}].qty``)."""
    if not any(isinstance(segment, Wildcard) for segment in segments):
        return PathText(format_path(segments), False)
    pieces: list[str] = []
    level = 0
    for segment in segments:
        if isinstance(segment, Wildcard):
            pieces.append(f"[{{i{level}}}]")
            level += 1
        else:
            text = format_path((segment,)) if isinstance(segment, str) else f"[{segment}]"
            text = text.replace("{", "{{").replace("}", "}}")
            pieces.append(("." if pieces and isinstance(segment, str) else "") + text)
    return PathText("".join(pieces), True)

"""Data Prep attribute paths: parse, format and read values such as ``data.items.data[*].price.id``.

Syntax (Adobe Data Prep): dots for nesting, ``[n]`` for one array element, ``[*]`` for every element, a
backslash to escape a character inside a key (``address.street\\.name``), and ``${Any Name}`` for keys that
are not identifiers or are reserved words. A path starts with a key, never with an index.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, Final

__all__ = [
    "RESERVED_WORDS",
    "WILDCARD",
    "PathError",
    "Segment",
    "Wildcard",
    "compile_getter",
    "format_path",
    "is_identifier",
    "parse_path",
    "path_exists",
    "wildcard_prefix",
]


class Wildcard:
    """The ``[*]`` segment; use the :data:`WILDCARD` singleton."""

    __slots__ = ()
    _instance: Wildcard | None = None

    def __new__(cls) -> Wildcard:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "WILDCARD"

    def __reduce__(self) -> str:
        return "WILDCARD"


WILDCARD: Final = Wildcard()

Segment = str | int | Wildcard

#: Words that must be written as ``${word}`` in a path (Adobe's list plus the newer ``do function empty size``).
RESERVED_WORDS: Final = frozenset(
    {
        "new",
        "mod",
        "or",
        "break",
        "var",
        "lt",
        "for",
        "false",
        "while",
        "eq",
        "gt",
        "div",
        "not",
        "null",
        "continue",
        "else",
        "and",
        "ne",
        "true",
        "le",
        "if",
        "ge",
        "return",
        "_errors",
        "do",
        "function",
        "empty",
        "size",
    }
)


class PathError(ValueError):
    """A path that cannot be parsed; ``position`` is the 0-based offset of the problem."""

    def __init__(self, message: str, position: int, text: str = "") -> None:
        super().__init__(f"{message} at position {position}")
        self.message = message
        self.position = position
        self.text = text


def is_identifier_start(char: str) -> bool:
    """Whether ``char`` may start a bare name: a letter, ``$`` or ``_``."""
    return char.isalpha() or char in "$_"


def is_identifier_part(char: str) -> bool:
    """Whether ``char`` may continue a bare name: a letter, digit, ``$`` or ``_``."""
    return char.isalnum() or char in "$_"


def is_identifier(name: str) -> bool:
    """Whether ``name`` can be written bare (a legal identifier that is not reserved)."""
    return (
        bool(name)
        and is_identifier_start(name[0])
        and all(is_identifier_part(c) for c in name[1:])
        and name not in RESERVED_WORDS
    )


def scan_name(text: str, pos: int) -> tuple[str, int, bool]:
    """Read one key at ``pos``: bare (with backslash escapes) or ``${...}``.

    Returns ``(name, end, quoted)``; ``quoted`` is true when the key was braced or escaped, so it may be a
    reserved word. Raises :class:`PathError` when no key starts at ``pos``.
    """
    if text.startswith("${", pos):
        return _scan_braced(text, pos)
    chars: list[str] = []
    quoted = False
    i = pos
    while i < len(text):
        char = text[i]
        if char == "\\":
            if i + 1 >= len(text):
                raise PathError("a backslash at the end has nothing to escape; write \\\\ for a backslash", i, text)
            chars.append(text[i + 1])
            quoted = True
            i += 2
        elif is_identifier_part(char) and (chars or quoted or is_identifier_start(char)):
            chars.append(char)
            i += 1
        else:
            break
    if i == pos:
        found = repr(text[pos]) if pos < len(text) else "the end"
        raise PathError(
            f"expected a name but found {found}; write names that are not identifiers as ${{...}}", pos, text
        )
    name = "".join(chars)
    if not quoted and name in RESERVED_WORDS:
        raise PathError(f"'{name}' is a reserved word; write it as ${{{name}}}", pos, text)
    return name, i, quoted


def _scan_braced(text: str, pos: int) -> tuple[str, int, bool]:
    chars: list[str] = []
    i = pos + 2
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            chars.append(text[i + 1])
            i += 2
        elif char == "}":
            if not chars:
                raise PathError("empty name in ${}", pos, text)
            return "".join(chars), i + 1, True
        else:
            chars.append(char)
            i += 1
    raise PathError("unclosed ${ ; end the name with }", pos, text)


def parse_path(text: str) -> tuple[Segment, ...]:
    """Parse a path into keys (``str``), indexes (``int``) and :data:`WILDCARD` segments."""
    if not text:
        raise PathError("empty path; write a key such as data.amount", 0, text)
    if text[0] == "[":
        raise PathError("a path starts with a key, not an index; write items[0]", 0, text)
    name, pos, _ = scan_name(text, 0)
    segments: list[Segment] = [name]
    while pos < len(text):
        char = text[pos]
        if char == ".":
            name, pos, _ = scan_name(text, pos + 1)
            segments.append(name)
        elif char == "[":
            segment, pos = _scan_index(text, pos)
            segments.append(segment)
        else:
            raise PathError(
                f"unexpected {char!r} after a name; escape it as \\{char} or write the name as ${{...}}", pos, text
            )
    return tuple(segments)


def _scan_index(text: str, pos: int) -> tuple[int | Wildcard, int]:
    end = text.find("]", pos)
    if end < 0:
        raise PathError("unclosed '['; write [0] for an element or [*] for every element", pos, text)
    inner = text[pos + 1 : end]
    if inner == "*":
        return WILDCARD, end + 1
    if inner.isascii() and inner.isdigit():
        return int(inner), end + 1
    raise PathError(f"bad array index [{inner}]; write a non-negative integer such as [0], or [*]", pos + 1, text)


def format_key(name: str) -> str:
    """Write one key canonically: bare, with escaped dots (``street\\.name``), or as ``${...}``."""
    if is_identifier(name):
        return name
    if "." in name and is_identifier_start(name[0]) and all(c == "." or is_identifier_part(c) for c in name):
        return name.replace(".", "\\.")
    return "${" + name.replace("\\", "\\\\").replace("}", "\\}") + "}"


def format_path(segments: Iterable[Segment]) -> str:
    """The canonical text of a path; ``parse_path(format_path(s)) == tuple(s)``."""
    out: list[str] = []
    for segment in segments:
        if isinstance(segment, Wildcard) and out:
            out.append("[*]")
        elif isinstance(segment, bool) or not isinstance(segment, int | str) or segment == "":
            raise ValueError(f"bad path segment {segment!r}: keys are non-empty strings, indexes are ints >= 0")
        elif isinstance(segment, int):
            if segment < 0 or not out:
                raise ValueError(f"bad array index {segment}: indexes are >= 0 and a path starts with a key")
            out.append(f"[{segment}]")
        else:
            out.append(("." if out else "") + format_key(segment))
    if not out:
        raise ValueError("a path starts with a key")
    return "".join(out)


def wildcard_prefix(segments: Sequence[Segment]) -> tuple[Segment, ...]:
    """The segments before the first :data:`WILDCARD` (the whole path when there is none)."""
    for i, segment in enumerate(segments):
        if isinstance(segment, Wildcard):
            return tuple(segments[:i])
    return tuple(segments)


def _step(value: Any, segment: str | int) -> Any:
    if isinstance(segment, str):
        if type(value) is dict or isinstance(value, Mapping):
            return value.get(segment)
        return None
    if type(value) is list or isinstance(value, tuple):
        return value[segment] if segment < len(value) else None
    return None


Getter = Callable[[Any, Sequence[int]], Any]


def compile_getter(segments: Sequence[Segment]) -> Getter:
    """A function ``get(record, indexes)`` reading the value at the path, or ``None`` when a step is missing.

    Each :data:`WILDCARD` takes the next element index from ``indexes``. When ``indexes`` runs out, the
    first unindexed wildcard yields a list with the rest of the path read from each element (``None``
    for elements that lack it); further wildcards nest the lists.
    """
    steps: tuple[Segment, ...] = tuple(segments)
    if not any(isinstance(s, Wildcard) for s in steps):
        plain: tuple[str | int, ...] = tuple(s for s in steps if not isinstance(s, Wildcard))

        def get(record: Any, indexes: Sequence[int] = ()) -> Any:
            value = record
            for segment in plain:
                value = _step(value, segment)
                if value is None:
                    return None
            return value

        return get

    def get_wild(record: Any, indexes: Sequence[int] = ()) -> Any:
        return _walk(record, steps, 0, indexes, 0)

    return get_wild


def _walk(value: Any, steps: tuple[Segment, ...], pos: int, indexes: Sequence[int], used: int) -> Any:
    for i in range(pos, len(steps)):
        if value is None:
            return None
        segment = steps[i]
        if not isinstance(segment, Wildcard):
            value = _step(value, segment)
            continue
        if not isinstance(value, list | tuple):
            return None
        if used < len(indexes):
            index = indexes[used]
            used += 1
            value = value[index] if 0 <= index < len(value) else None
            continue
        return [_walk(element, steps, i + 1, indexes, used) for element in value]
    return value


def path_exists(record: Any, segments: Sequence[Segment], indexes: Sequence[int] = ()) -> bool:
    """Whether the path is present in ``record`` (a key holding ``null`` counts as present).

    A wildcard without an index is satisfied by any element.
    """
    return _exists(record, tuple(segments), 0, indexes, 0)


def _exists(value: Any, steps: tuple[Segment, ...], pos: int, indexes: Sequence[int], used: int) -> bool:
    if pos == len(steps):
        return True
    segment = steps[pos]
    if isinstance(segment, str):
        if isinstance(value, Mapping) and segment in value:
            return _exists(value[segment], steps, pos + 1, indexes, used)
        return False
    if not isinstance(value, list | tuple):
        return False
    if isinstance(segment, int):
        return segment < len(value) and _exists(value[segment], steps, pos + 1, indexes, used)
    if used < len(indexes):
        index = indexes[used]
        return 0 <= index < len(value) and _exists(value[index], steps, pos + 1, indexes, used + 1)
    return any(_exists(element, steps, pos + 1, indexes, used) for element in value)

"""The syntax tree of an expression; every node carries the 0-based offset where it starts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from stripeflow.prep.paths import Segment


@dataclass(frozen=True, slots=True)
class Literal:
    """A number, string, boolean or null written in the expression."""

    pos: int
    value: Any


@dataclass(frozen=True, slots=True)
class Path:
    """An attribute path into the source record."""

    pos: int
    segments: tuple[Segment, ...]


@dataclass(frozen=True, slots=True)
class ArrayLiteral:
    """``[a, b, ...]``."""

    pos: int
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class ObjectLiteral:
    """``{"k": v, ...}``."""

    pos: int
    entries: tuple[tuple[Node, Node], ...]


@dataclass(frozen=True, slots=True)
class Unary:
    """``-x``, ``!x``/``not x``, ``~x``."""

    pos: int
    op: str
    operand: Node


@dataclass(frozen=True, slots=True)
class Binary:
    """A binary operator; ``op`` is the canonical symbol (``eq`` is stored as ``==``)."""

    pos: int
    op: str
    left: Node
    right: Node


@dataclass(frozen=True, slots=True)
class Conditional:
    """``cond ? then : otherwise``."""

    pos: int
    condition: Node
    then: Node
    otherwise: Node


@dataclass(frozen=True, slots=True)
class Call:
    """``name(args...)``."""

    pos: int
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class MethodCall:
    """``target.name(args...)``."""

    pos: int
    target: Node
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Index:
    """``target[index]`` on a computed value."""

    pos: int
    target: Node
    index: Node


@dataclass(frozen=True, slots=True)
class Member:
    """``target.name`` on a computed value."""

    pos: int
    target: Node
    name: str


Node = Literal | Path | ArrayLiteral | ObjectLiteral | Unary | Binary | Conditional | Call | MethodCall | Index | Member

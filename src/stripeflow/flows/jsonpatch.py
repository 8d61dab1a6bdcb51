"""JSON Patch (RFC 6902) ``add``, ``replace`` and ``remove``, the operations the Flow Service's ``PATCH`` accepts.

Paths are JSON Pointers (RFC 6901): ``/auth/params``, ``/transformations/0``, ``/tags/-`` (the end of an array),
with ``~1`` for ``/`` and ``~0`` for ``~`` inside a key. The input document is never changed; the ops apply to a
copy in order, and the first bad one raises :class:`ValueError` naming the op, its index and the reason.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

SUPPORTED_OPS = ("add", "replace", "remove")


def apply_json_patch(document: dict[str, Any], ops: Sequence[Any]) -> dict[str, Any]:
    """A copy of ``document`` with ``ops`` applied; :class:`ValueError` on a malformed op or a path that fails."""
    if not isinstance(ops, list | tuple):
        raise ValueError('a JSON Patch is an array of operations, e.g. [{"op": "replace", "path": "/name", ...}]')
    result: Any = copy.deepcopy(document)
    for index, op in enumerate(ops):
        try:
            result = _apply(result, op)
        except ValueError as exc:
            raise ValueError(f"patch operation {index}: {exc}") from None
    if not isinstance(result, dict):
        raise ValueError("the patched document must stay a JSON object")
    return result


def parse_pointer(path: str) -> list[str]:
    """The reference tokens of a JSON Pointer (``""`` is the whole document)."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise ValueError(f"path {path!r} is not a JSON Pointer: it must be empty or start with '/'")
    tokens = path[1:].split("/")
    for token in tokens:
        stripped = token.replace("~0", "").replace("~1", "")
        if "~" in stripped:
            raise ValueError(f"path {path!r} has a bad escape: '~' must be followed by 0 or 1")
    return [token.replace("~1", "/").replace("~0", "~") for token in tokens]


def _apply(document: Any, op: Any) -> Any:
    if not isinstance(op, dict):
        raise ValueError(f"must be an object with 'op' and 'path', got {type(op).__name__}")
    name, path = op.get("op"), op.get("path")
    if name not in SUPPORTED_OPS:
        raise ValueError(f"op {name!r} is not supported; use one of {', '.join(SUPPORTED_OPS)}")
    if not isinstance(path, str):
        raise ValueError("'path' is required and must be a string (a JSON Pointer such as /name)")
    if name != "remove" and "value" not in op:
        raise ValueError(f"{name} {path}: 'value' is required")
    tokens = parse_pointer(path)
    value = copy.deepcopy(op.get("value"))
    if not tokens:
        if name == "remove":
            raise ValueError("remove: the whole document cannot be removed")
        return value
    parent = _resolve(document, tokens[:-1], path)
    key = tokens[-1]
    if isinstance(parent, dict):
        if name != "add" and key not in parent:
            raise ValueError(f"{name} {path}: {key!r} does not exist")
        if name == "remove":
            del parent[key]
        else:
            parent[key] = value
    elif isinstance(parent, list):
        position = _array_index(parent, key, path, allow_end=name == "add")
        if name == "add":
            parent.insert(position, value)
        elif name == "replace":
            parent[position] = value
        else:
            del parent[position]
    else:
        raise ValueError(f"{name} {path}: the parent of {key!r} is a {_json_type(parent)}, not an object or array")
    return document


def _resolve(document: Any, tokens: list[str], path: str) -> Any:
    current = document
    for depth, token in enumerate(tokens):
        where = "/" + "/".join(tokens[: depth + 1])
        if isinstance(current, dict):
            if token not in current:
                raise ValueError(f"path {path!r}: {where} does not exist")
            current = current[token]
        elif isinstance(current, list):
            current = current[_array_index(current, token, path, allow_end=False)]
        else:
            raise ValueError(f"path {path!r}: {where} goes into a {_json_type(current)}")
    return current


def _array_index(array: list[Any], part: str, path: str, *, allow_end: bool) -> int:
    if part == "-" and allow_end:
        return len(array)
    if not part.isdigit() or (part != "0" and part.startswith("0")):
        raise ValueError(f"path {path!r}: {part!r} is not an array index")
    index = int(part)
    limit = len(array) if allow_end else len(array) - 1
    if index > limit:
        raise ValueError(f"path {path!r}: index {index} is out of range (the array has {len(array)} items)")
    return index


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "string" if isinstance(value, str) else type(value).__name__

"""JSON Patch (RFC 6902) ``add``, ``replace`` and ``remove`` on a registry document."""

from __future__ import annotations

import copy
from typing import Any

from stripeflow.xdm.errors import InvalidSchemaError

Doc = dict[str, Any]
OPERATIONS = ("add", "replace", "remove")


def apply_patch(doc: Doc, ops: object) -> Doc:
    """A patched copy of ``doc``; an invalid operation is refused with its index and path."""
    if not isinstance(ops, list) or not ops:
        raise InvalidSchemaError(
            'the PATCH body is a non-empty JSON array of {"op", "path", "value"} operations', [{"reason": "bad_patch"}]
        )
    patched = copy.deepcopy(doc)
    for index, op in enumerate(ops):
        try:
            _apply(patched, op)
        except (KeyError, IndexError, TypeError, ValueError) as exc:
            path = op.get("path") if isinstance(op, dict) else None
            raise InvalidSchemaError(
                f"patch operation {index} ({path}) cannot be applied: {exc}. Check the op and the JSON pointer",
                [{"index": index, "path": path, "reason": "bad_patch_operation"}],
            ) from None
    return patched


def _apply(doc: Doc, op: object) -> None:
    if not isinstance(op, dict) or op.get("op") not in OPERATIONS or not isinstance(op.get("path"), str):
        raise ValueError(f"each operation has op (one of {', '.join(OPERATIONS)}) and a path")
    tokens = _tokens(op["path"])
    if not tokens:
        raise ValueError("the whole document cannot be patched; use PUT to replace it")
    parent = _walk(doc, tokens[:-1])
    last = tokens[-1]
    if op["op"] != "remove" and "value" not in op:
        raise ValueError(f"{op['op']} needs a value")
    if isinstance(parent, list):
        _apply_to_list(parent, op["op"], last, op.get("value"))
    elif isinstance(parent, dict):
        if op["op"] != "add" and last not in parent:
            raise KeyError(f"no member {last!r}")
        if op["op"] == "remove":
            del parent[last]
        else:
            parent[last] = copy.deepcopy(op["value"])
    else:
        raise TypeError("the path goes through a value that is neither an object nor an array")


def _apply_to_list(parent: list[Any], op: str, position: str, value: Any) -> None:
    if op == "add" and position == "-":
        parent.append(copy.deepcopy(value))
        return
    index = int(position)
    if op == "add":
        if not 0 <= index <= len(parent):
            raise IndexError(f"index {index} is out of range")
        parent.insert(index, copy.deepcopy(value))
    elif op == "replace":
        parent[index] = copy.deepcopy(value)
    else:
        del parent[index]


def _tokens(pointer: str) -> list[str]:
    if pointer and not pointer.startswith("/"):
        raise ValueError("a JSON pointer starts with '/'")
    return [token.replace("~1", "/").replace("~0", "~") for token in pointer.split("/")[1:]]


def _walk(doc: Any, tokens: list[str]) -> Any:
    node = doc
    for token in tokens:
        node = node[int(token)] if isinstance(node, list) else node[token]
    return node

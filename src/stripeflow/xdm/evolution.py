"""Schema evolution: which differences between two resolved trees would break data already stored.

Breaking: removing a field, changing its type, format or XDM type, making a field required (an existing optional
one, or a new one), narrowing an enum (or adding one), narrowing ``minimum``/``maximum``/``minLength``/
``maxLength``, changing a ``pattern``, and changing a schema's class. Everything else (new optional fields, new
field groups, new titles, descriptions, wider enums, deprecation) is additive.
"""

from __future__ import annotations

from typing import Any

from stripeflow.xdm.errors import BreakingChangeError

Doc = dict[str, Any]
Detail = dict[str, Any]

_FIXES = {
    "field_removed": "keep the field (mark it deprecated with meta:status instead) or create a new schema",
    "type_changed": "add a new field with the new type instead, or create a new schema",
    "format_changed": "add a new field with the new format instead, or create a new schema",
    "made_required": "keep the field optional (validate it in the mapping instead), or create a new schema",
    "enum_narrowed": "keep every existing enum value (values may only be added), or add a new field",
    "range_narrowed": "keep the existing bounds (they may only widen), or add a new field",
    "pattern_changed": "keep the existing pattern, or add a new field",
    "class_changed": "create a new schema with the new class; a schema's class never changes",
}
_LOWER_BOUNDS = ("minimum", "minLength", "minItems")
_UPPER_BOUNDS = ("maximum", "maxLength", "maxItems")


def breaking_changes(old: Doc, new: Doc) -> list[Detail]:
    """The breaking differences from the resolved document ``old`` to ``new``, one detail per path."""
    details: list[Detail] = []
    if old.get("meta:class") != new.get("meta:class"):
        details.append(_detail("", "class_changed", old.get("meta:class"), new.get("meta:class")))
    _compare_objects(old, new, "", details)
    return details


def raise_if_breaking(title: str, resource_id: str, details: list[Detail], cause: str = "") -> None:
    """Raise :class:`BreakingChangeError` naming each offending path, when there are any."""
    if not details:
        return
    lines = "; ".join(f"{d['path'] or '(schema)'}: {d['rule'].replace('_', ' ')}" for d in details)
    via = f" (through {cause})" if cause else ""
    raise BreakingChangeError(
        f"the change would break data stored with schema {title!r} ({resource_id}){via}: {lines}. "
        "To proceed, add a new optional field instead of changing or removing one, or create a new schema.",
        [{**d, "schema": resource_id} for d in details],
    )


def _detail(path: str, rule: str, old: Any, new: Any) -> Detail:
    return {"path": path, "rule": rule, "old": old, "new": new, "fix": _FIXES[rule]}


def _compare_objects(old: Doc, new: Doc, path: str, details: list[Detail]) -> None:
    old_props: Doc = old.get("properties", {})
    new_props: Doc = new.get("properties", {})
    for name, old_node in old_props.items():
        child = f"{path}.{name}".lstrip(".")
        if name not in new_props:
            details.append(_detail(child, "field_removed", _kind(old_node), None))
        else:
            _compare_nodes(old_node, new_props[name], child, details)
    old_required = set(old.get("required", []))
    for name in new.get("required", []):
        if name not in old_required:
            details.append(_detail(f"{path}.{name}".lstrip("."), "made_required", False, True))


def _compare_nodes(old: Doc, new: Doc, path: str, details: list[Detail]) -> None:
    if _type_key(old) != _type_key(new):
        details.append(_detail(path, "type_changed", _kind(old), _kind(new)))
        return
    if old.get("format") != new.get("format"):
        details.append(_detail(path, "format_changed", old.get("format"), new.get("format")))
        return
    _compare_constraints(old, new, path, details)
    _compare_objects(old, new, path, details)
    for key, suffix in (("items", "[]"), ("additionalProperties", "{}")):
        if isinstance(old.get(key), dict) and isinstance(new.get(key), dict):
            _compare_nodes(old[key], new[key], path + suffix, details)


def _compare_constraints(old: Doc, new: Doc, path: str, details: list[Detail]) -> None:
    if "enum" in new:
        lost = [value for value in old.get("enum", []) if value not in new["enum"]]
        if "enum" not in old or lost:
            details.append(_detail(path, "enum_narrowed", old.get("enum"), new["enum"]))
    for key in _LOWER_BOUNDS:
        if key in new and (key not in old or new[key] > old[key]):
            details.append(_detail(f"{path}", "range_narrowed", {key: old.get(key)}, {key: new[key]}))
    for key in _UPPER_BOUNDS:
        if key in new and (key not in old or new[key] < old[key]):
            details.append(_detail(f"{path}", "range_narrowed", {key: old.get(key)}, {key: new[key]}))
    if "pattern" in new and new.get("pattern") != old.get("pattern"):
        details.append(_detail(path, "pattern_changed", old.get("pattern"), new["pattern"]))


def _type_key(node: Doc) -> tuple[object, object]:
    """What must not change. The XDM type of an integer follows its bounds and of a string its format: both are
    checked on their own."""
    return node.get("type"), None if node.get("type") in ("integer", "string") else node.get("meta:xdmType")


def _kind(node: Doc) -> str:
    kind = str(node.get("meta:xdmType") or node.get("type"))
    return f"{kind} ({node['format']})" if node.get("format") else kind

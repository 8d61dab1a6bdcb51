"""Checks of a mapping set against a schema (``POST /mappingSets/validate``) and previews on sample records
(``POST /mappingSets/preview``).

:func:`validate_mapping_set` runs the same analysis :func:`~stripeflow.prep.compiler.compile_mapping` runs and
reports it per mapping: a syntax error in a source path or an expression (with its position), a destination the
schema lacks, a type mismatch (``[*]`` on a non-array, a field inside a scalar, a STATIC literal that cannot be
converted), a destination written twice, or ``[*]`` that follows no (or two) source arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Literal

from stripeflow.prep.compiler import analyse, compile_mapping
from stripeflow.prep.el import EvalContext
from stripeflow.prep.mapping import MappingSet


@dataclass(frozen=True, slots=True)
class MappingValidation:
    """The check of one mapping: ``errors`` are ``{"code", "message"}`` (``None`` when the status is SUCCESS)."""

    status: Literal["SUCCESS", "ERROR"]
    errors: list[dict[str, str]] | None = None

    def to_json(self) -> dict[str, Any]:
        return {"status": self.status, "errors": self.errors}


def validate_mapping_set(mapping_set: MappingSet, schema: dict[str, Any] | None) -> list[MappingValidation]:
    """One entry per mapping, in order; a set whose entries are all SUCCESS compiles."""
    problems = analyse(mapping_set, schema).problems
    results = []
    for index in range(len(mapping_set.mappings)):
        found = problems.get(index)
        if found:
            results.append(MappingValidation("ERROR", [{"code": code, "message": text} for code, text in found]))
        else:
            results.append(MappingValidation("SUCCESS"))
    return results


def validation_response(mapping_set: MappingSet, schema: dict[str, Any] | None) -> dict[str, Any]:
    """The body of ``POST /mappingSets/validate``: ``{"validationResponse": [{status, errors}, ...]}``."""
    return {"validationResponse": [item.to_json() for item in validate_mapping_set(mapping_set, schema)]}


def preview(
    mapping_set: MappingSet,
    schema: dict[str, Any] | None,
    records: Iterable[Any],
    *,
    context: EvalContext | None = None,
) -> list[dict[str, Any]]:
    """``[{"data": <xdm row or None>, "errors": [{code, message, path}] | None}]``, one entry per record.

    Raises :class:`~stripeflow.prep.errors.MappingSetError` when the set does not compile.
    """
    mapper = compile_mapping(mapping_set, schema, context=context)
    return [row.to_json() for row in mapper.map_batch(records)]

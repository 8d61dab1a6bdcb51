"""Errors of Data Prep: the row errors a mapper records, and the error a wrong mapping set raises.

Row error codes (``RowError.code``); only ``MAPPER-3700-400`` leaves the row in the output:

============== =====================================================================================
code           meaning
============== =====================================================================================
MAPPER-3700-400 a transformation failed (expression error, value not convertible to the field's type):
               that destination is left out (null) and the rest of the row is still written
INGEST-1401-400 the raw record is not a JSON object (or not parseable JSON): row rejected
INGEST-1555-400 a required field is missing or null: row rejected
XDM-1001-400   a value has the wrong type for its field (e.g. an object where a string is expected)
XDM-1002-400   a value is not one of the field's ``enum`` values
XDM-1003-400   a string does not match the field's ``format`` (date-time, date, email, uri, uuid)
XDM-1004-400   a value is out of range: ``minimum``/``maximum`` (integers also ±2^53), ``minLength``/
               ``maxLength`` or ``pattern``
XDM-1005-400   a field that the schema does not define (only :func:`~stripeflow.prep.validation.compile_validator`
               reports it; a mapper drops unknown children when it copies objects)
============== =====================================================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from stripeflow.errors import StripeflowError

MAPPER_TRANSFORM: Final = "MAPPER-3700-400"
INGEST_CORRUPT: Final = "INGEST-1401-400"
INGEST_REQUIRED: Final = "INGEST-1555-400"
XDM_TYPE: Final = "XDM-1001-400"
XDM_ENUM: Final = "XDM-1002-400"
XDM_FORMAT: Final = "XDM-1003-400"
XDM_RANGE: Final = "XDM-1004-400"
XDM_UNKNOWN_FIELD: Final = "XDM-1005-400"

#: Codes of mapping set checks (``POST /mappingSets/validate``), one list per mapping.
INVALID_SOURCE_PATH: Final = "INVALID_SOURCE_PATH"
INVALID_DESTINATION_PATH: Final = "INVALID_DESTINATION_PATH"
EXPRESSION_SYNTAX: Final = "EXPRESSION_SYNTAX"
UNKNOWN_DESTINATION: Final = "UNKNOWN_DESTINATION"
TYPE_INCOMPATIBLE: Final = "TYPE_INCOMPATIBLE"
DESTINATION_CONFLICT: Final = "DESTINATION_CONFLICT"
WILDCARD_MISMATCH: Final = "WILDCARD_MISMATCH"

#: The codes that do not reject the row.
NON_REJECTING: Final = frozenset({MAPPER_TRANSFORM})


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem with one row: ``path`` is the destination path (``None`` for the whole row)."""

    code: str
    message: str
    path: str | None = None

    def to_json(self) -> dict[str, str | None]:
        return {"code": self.code, "message": self.message, "path": self.path}


class MappingSetError(StripeflowError, ValueError):
    """A mapping set cannot be used; ``problems`` lists each reason, naming the mapping (index and destination)
    and what to change."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid mapping set: " + "; ".join(problems))

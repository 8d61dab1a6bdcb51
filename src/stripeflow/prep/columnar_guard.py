"""The guard of columnar mapping: which raw rows' typed columns may not say what their ``_raw`` JSON says.

The raw writer (:mod:`stripeflow.lake.convert`) converts each record's fields to the declared column types, and a
value of an undocumented type is stored lossily: a float in an integer column truncated, a boolean in a float
column as 0/1, a string in a list of strings as its characters, an expanded object in an id column as its id, and
any other mismatch as null or JSON text. The row-wise mapper reads ``_raw``, so for such a row the two paths would
differ. The guard finds them with one regular expression over ``_raw`` (RE2, in Arrow): for every key the plan reads
(at any depth, so conservatively), a value whose JSON type is not the one its column stores exactly. It also
flags text that is not one compact JSON object (``_raw`` is ``orjson`` output), integers of 20 digits or more
(beyond ``orjson``), ``NaN``/``Infinity`` tokens, and arrays of arrays. Flagged rows are mapped row-wise from
``_raw``; a false alarm costs only speed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Final

import pyarrow as pa
import pyarrow.compute as pc

_STRING: Final = r'"(?:[^"\\]|\\.)*"'
_INTEGER_BAD: Final = r"(?:[^-\dn]|-?\d{16}|-?\d+[.eE])"
#: For each check: the start of a value (right after ``"key":``) that the typed column does not hold exactly.
BAD_VALUES: Final = {
    "int": _INTEGER_BAD,
    "ts": _INTEGER_BAD,
    "float": r"(?:[^-\dn]|-?\d{16,}[,}\]])",
    "bool": r"[^tfn]",
    "string": r"(?:[{\[]|-?\d+[.eE])",
    "struct": r"[^{n]",
    "list": r"[^\[n]",
    "map": rf"(?:[^{{n]|\{{(?:{_STRING}:{_STRING},)*{_STRING}:[^\"])",
    "missing": r"[^n]",  # a key the raw columns do not have: only null or absent is safe
    "list:string": rf"(?:[^\[n]|\[(?:{_STRING},)*[^\"\]])",
    "list:int": r"(?:[^\[n]|\[(?:-?\d{1,15},)*(?:[^-\d\]]|-?\d{16}|-?\d+[.eE]))",
    "list:bool": r"(?:[^\[n]|\[(?:(?:true|false),)*[^tf\]])",
}
_ANYWHERE: Final = (
    r"^[^{]",
    r"[^}]$",
    r'"[ \t\r\n]*:[ \t\r\n]',
    r'"[ \t\r\n]+:',
    r"\[\[",
    r"[}\]],\[",
    r"[:,\[]-?\d{20}",
    r"[:,\[]-?(?:NaN|Infinity)",
)
_KEY: Final = re.compile(r"[A-Za-z0-9_]+")


def guard_pattern(keys: Iterable[tuple[str, str]]) -> str:
    """The RE2 pattern of the guard for ``(key, check)`` pairs (checks from :data:`BAD_VALUES`)."""
    by_key: dict[str, set[str]] = {}
    for key, check in keys:
        if not _KEY.fullmatch(key):
            raise ValueError(f"the key {key!r} cannot be guarded")
        by_key.setdefault(key, set()).add(BAD_VALUES[check])
    groups: dict[tuple[str, ...], list[str]] = {}
    for key, found in by_key.items():
        groups.setdefault(tuple(sorted(found)), []).append(key)
    alternatives = list(_ANYWHERE)
    for patterns, names in sorted(groups.items()):
        keys_pattern = "|".join(re.escape(name) for name in sorted(names))
        alternatives.append(f'"(?:{keys_pattern})":(?:{"|".join(patterns)})')
    return "|".join(alternatives)


def guarded(raw: pa.Array, pattern: str) -> pa.Array:
    """The rows of ``raw`` (``_raw`` texts) the guard flags; a null text is flagged too."""
    return pc.fill_null(pc.match_substring_regex(raw.cast(pa.string()), pattern), True)

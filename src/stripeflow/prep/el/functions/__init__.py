"""The function catalogue of the expression language, assembled from one module per category."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

from stripeflow.prep.el.functions.arrays import ARRAYS
from stripeflow.prep.el.functions.base import Category, FunctionInfo
from stripeflow.prep.el.functions.datetimes import DATETIME
from stripeflow.prep.el.functions.hashing import HASHING
from stripeflow.prep.el.functions.logical import AGGREGATION, CONVERSION, JSON, LOGICAL, SPECIAL
from stripeflow.prep.el.functions.objects import MAPS, OBJECTS
from stripeflow.prep.el.functions.regex import REGEX
from stripeflow.prep.el.functions.strings import STRING
from stripeflow.prep.el.functions.urls import URL

__all__ = ["CATEGORIES", "FUNCTIONS", "FunctionInfo"]

#: Categories in the order of Adobe's function list.
CATEGORIES: Final[tuple[Category, ...]] = (
    STRING, REGEX, HASHING, URL, DATETIME, OBJECTS, ARRAYS, MAPS, LOGICAL, AGGREGATION, CONVERSION, JSON, SPECIAL,
)  # fmt: skip


def _catalogue() -> Mapping[str, FunctionInfo]:
    entries: dict[str, FunctionInfo] = {}
    for category in CATEGORIES:
        for info in category.functions:
            if info.name in entries:
                raise AssertionError(f"function {info.name} registered twice")
            entries[info.name] = info
    return MappingProxyType(entries)


FUNCTIONS: Final = _catalogue()

"""Regular-expression functions; patterns use Java syntax, translated where Python differs."""

from __future__ import annotations

import functools
import re
from typing import Any

from stripeflow.prep.el.errors import EvaluationError
from stripeflow.prep.el.functions.base import Category, text_arg

REGEX = Category("regex")
function = REGEX.function

_NAMED_GROUP = re.compile(r"\(\?<(?=[A-Za-z])")


@functools.lru_cache(maxsize=1024)
def compile_regex(pattern: str) -> re.Pattern[str]:
    """Compile a Java regex (``(?<name>...)`` groups are accepted); raises ``ValueError`` when it is invalid."""
    if not isinstance(pattern, str):
        raise ValueError(f"a regex must be a string, got {pattern!r}")
    try:
        return re.compile(_NAMED_GROUP.sub("(?P<", pattern))
    except re.error as exc:
        raise ValueError(f"invalid regex {pattern!r}: {exc.msg}") from exc


def _regex(function_name: str, pattern: Any) -> re.Pattern[str]:
    try:
        return compile_regex(text_arg(function_name, pattern, "REGEX"))
    except ValueError as exc:
        raise EvaluationError(f"{function_name}: {exc}") from exc


def java_split(text: str, pattern: str) -> list[str]:
    """Java ``String.split``: no captured groups in the result, trailing empty parts removed."""
    regex = _regex("explode", pattern)
    parts: list[str] = []
    start = 0
    for match in regex.finditer(text):
        if match.end() == 0:
            continue  # a zero-width match at the start never yields a leading empty part
        if match.start() == match.end() and match.start() >= len(text):
            break
        parts.append(text[start : match.start()])
        start = match.end()
    parts.append(text[start:])
    while len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts if parts != [""] or text == "" else []


@function(
    "extract_regex",
    syntax="extract_regex(S, REGEX)",
    description="The first match of REGEX in S as an array: the whole match, then each group; null when none.",
    example='extract_regex("E259,E259B_009,1_1", "([^,]+),[^,]*,([^,]+)")',
    result=["E259,E259B_009,1_1", "E259", "1_1"],
    args=(2, 2),
    null_first=True,
    checks={1: compile_regex},
)
def extract_regex(s: Any, pattern: Any) -> list[str | None] | None:
    match = _regex("extract_regex", pattern).search(text_arg("extract_regex", s))
    return None if match is None else [match.group(0), *match.groups()]


@function(
    "matches_regex",
    syntax="matches_regex(S, REGEX)",
    description="Whether the whole of S matches REGEX (Java String.matches).",
    example='matches_regex("E259,E259B_009,1_1", "([^,]+),[^,]*,([^,]+)")',
    result=True,
    args=(2, 2),
    null_first=True,
    checks={1: compile_regex},
)
def matches_regex(s: Any, pattern: Any) -> bool:
    return _regex("matches_regex", pattern).fullmatch(text_arg("matches_regex", s)) is not None

"""String functions."""

from __future__ import annotations

from typing import Any

from stripeflow.prep.el.errors import EvaluationError
from stripeflow.prep.el.functions.base import Category, int_arg, list_arg, text_arg
from stripeflow.prep.el.functions.regex import compile_regex, java_split
from stripeflow.prep.el.values import to_text

STRING = Category("string")
function = STRING.function


@function(
    "concat",
    syntax="concat(S1, S2, ...)",
    description="Joins the values as text. Null values are skipped; the result is null only when all are null.",
    example='concat("Hi, ", "there", "!")',
    result="Hi, there!",
    args=(1, None),
)
def concat(*parts: Any) -> str | None:
    present = [to_text(p) for p in parts if p is not None]
    return "".join(present) if present else None


@function(
    "explode",
    syntax='explode(S, REGEX?=",")',
    description="Splits S on a regular expression into an array (Java String.split: trailing empty parts dropped).",
    example='explode("Hi, there!", " ")',
    result=["Hi,", "there!"],
    args=(1, 2),
    null_first=True,
    checks={1: compile_regex},
)
def explode(s: Any, regex: Any = ",") -> list[str]:
    return java_split(text_arg("explode", s), text_arg("explode", "," if regex is None else regex, "REGEX"))


@function(
    "instr",
    syntax="instr(S, SUB, START?=1, OCCURRENCE?=1)",
    description="1-based position of the OCCURRENCE-th SUB in S searching from START (negative: from the end, "
    "backwards), or 0 when not found.",
    example='instr("adobe.com", "com")',
    result=7,
    args=(2, 4),
    null_first=True,
)
def instr(s: Any, sub: Any, start: Any = 1, occurrence: Any = 1) -> int | None:
    if sub is None:
        return None
    text, needle = text_arg("instr", s), text_arg("instr", sub, "SUB")
    begin, count = int_arg("instr", 1 if start is None else start, "START"), int_arg("instr", occurrence, "OCCURRENCE")
    if begin == 0 or count < 1:
        raise EvaluationError("instr: START must not be 0 and OCCURRENCE must be at least 1")
    if begin > 0:
        found = begin - 2
        for _ in range(count):
            found = text.find(needle, found + 1)
            if found < 0:
                return 0
        return found + 1
    found = len(text) + begin + 1
    for _ in range(count):
        found = text.rfind(needle, 0, found - 1 + len(needle)) if found > 0 else -1
        if found < 0:
            return 0
    return found + 1


@function(
    "replacestr",
    syntax="replacestr(S, FIND, REPL)",
    description="Replaces every occurrence of FIND (plain text, not a regex) with REPL. A null REPL removes FIND.",
    example='replacestr("This is a string re test", "re", "replace")',
    result="This is a string replace test",
    args=(3, 3),
    null_first=True,
)
def replacestr(s: Any, find: Any, repl: Any) -> str:
    text = text_arg("replacestr", s)
    if find is None or find == "":
        return text
    return text.replace(text_arg("replacestr", find, "FIND"), "" if repl is None else text_arg("replacestr", repl))


@function(
    "substr",
    syntax="substr(S, START, LEN?)",
    description="LEN characters of S from the 0-based START (to the end without LEN); out-of-range bounds are clamped.",
    example='substr("This is a substring test", 7, 8)',
    result=" a subst",
    args=(2, 3),
    null_first=True,
)
def substr(s: Any, start: Any, length: Any = None) -> str:
    text = text_arg("substr", s)
    begin = max(0, int_arg("substr", start, "START"))
    if length is None:
        return text[begin:]
    return text[begin : begin + max(0, int_arg("substr", length, "LEN"))]


def _case(name: str, upper: bool) -> Any:
    def convert(s: Any) -> str:
        text = text_arg(name, s)
        return text.upper() if upper else text.lower()

    return convert


function(
    "lower",
    syntax="lower(S)",
    description="S in lower case.",
    example='lower("HeLLo")',
    result="hello",
    aliases=("lcase",),
    null_first=True,
)(_case("lower", upper=False))
function(
    "upper",
    syntax="upper(S)",
    description="S in upper case.",
    example='upper("HeLLo")',
    result="HELLO",
    aliases=("ucase",),
    null_first=True,
)(_case("upper", upper=True))


@function(
    "split",
    syntax='split(S, SEP?=" ")',
    description="Splits S on any of the characters of SEP (whitespace when null), dropping empty parts.",
    example='split("Hello world,  again", " ,")',
    result=["Hello", "world", "again"],
    args=(1, 2),
    null_first=True,
)
def split(s: Any, separators: Any = None) -> list[str]:
    text = text_arg("split", s)
    if separators is None:
        return text.split()
    chars = set(text_arg("split", separators, "SEP"))
    parts: list[str] = []
    current: list[str] = []
    for char in text:
        if char in chars:
            parts.append("".join(current))
            current = []
        else:
            current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p]


@function(
    "join",
    syntax="join(SEP, ARRAY) or join(SEP, V1, V2, ...)",
    description="Joins the elements as text with SEP between them; null elements are skipped.",
    example='join(", ", ["Hello", "world"])',
    result="Hello, world",
    args=(2, None),
)
def join(sep: Any, *items: Any) -> str | None:
    elements = list_arg("join", items[0]) if len(items) == 1 and isinstance(items[0], list | tuple) else list(items)
    if len(items) == 1 and items[0] is None:
        return None
    glue = "" if sep is None else text_arg("join", sep, "SEP")
    return glue.join(to_text(e) for e in elements if e is not None)


def _pad(name: str, left: bool) -> Any:
    def pad(s: Any, n: Any, padding: Any = " ") -> str:
        text, width = text_arg(name, s), int_arg(name, n)
        fill = " " if padding is None or padding == "" else text_arg(name, padding, "PAD")
        missing = width - len(text)
        if missing <= 0:
            return text
        extra = (fill * (missing // len(fill) + 1))[:missing]
        return extra + text if left else text + extra

    return pad


function(
    "lpad",
    syntax="lpad(S, N, PAD)",
    description="S padded on the left with PAD (repeated, a space when null) to N characters; longer S is kept.",
    example='lpad("bat", 8, "yz")',
    result="yzyzybat",
    args=(2, 3),
    null_first=True,
)(_pad("lpad", left=True))
function(
    "rpad",
    syntax="rpad(S, N, PAD)",
    description="S padded on the right with PAD (repeated, a space when null) to N characters; longer S is kept.",
    example='rpad("bat", 8, "yz")',
    result="batyzyzy",
    args=(2, 3),
    null_first=True,
)(_pad("rpad", left=False))


@function(
    "left",
    syntax="left(S, N)",
    description="The first N characters of S (all of S when shorter, empty when N <= 0).",
    example='left("abcde", 2)',
    result="ab",
    args=(2, 2),
    null_first=True,
)
def left(s: Any, n: Any) -> str:
    text, count = text_arg("left", s), int_arg("left", n)
    return text[: max(0, count)]


@function(
    "right",
    syntax="right(S, N)",
    description="The last N characters of S (all of S when shorter, empty when N <= 0).",
    example='right("abcde", 2)',
    result="de",
    args=(2, 2),
    null_first=True,
)
def right(s: Any, n: Any) -> str:
    text, count = text_arg("right", s), int_arg("right", n)
    return text[len(text) - count :] if count > 0 else ""


function(
    "ltrim",
    syntax="ltrim(S)",
    description="S without leading whitespace.",
    example='ltrim("  hello ")',
    result="hello ",
    null_first=True,
)(lambda s: text_arg("ltrim", s).lstrip())
function(
    "rtrim",
    syntax="rtrim(S)",
    description="S without trailing whitespace.",
    example='rtrim("  hello ")',
    result="  hello",
    null_first=True,
)(lambda s: text_arg("rtrim", s).rstrip())
function(
    "trim",
    syntax="trim(S)",
    description="S without leading and trailing whitespace.",
    example='trim("  hello ")',
    result="hello",
    null_first=True,
)(lambda s: text_arg("trim", s).strip())

"""URL functions. Text that is not a URL gives null rather than an error."""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import SplitResult, quote_plus, unquote_plus, urlsplit

from stripeflow.prep.el.errors import EvaluationError
from stripeflow.prep.el.functions.base import Category, text_arg

URL = Category("url")
function = URL.function

DEFAULT_PORTS: Final = {"http": 80, "https": 443, "ftp": 21, "ws": 80, "wss": 443, "ssh": 22, "sftp": 22}
_BAD_ESCAPE: Final = re.compile(r"%(?![0-9A-Fa-f]{2})")


def _split(function_name: str, url: Any) -> SplitResult | None:
    text = text_arg(function_name, url, "URL")
    try:
        parts = urlsplit(text.strip())
        parts.port  # noqa: B018 - raises ValueError for a bad port
    except ValueError:
        return None
    return parts if parts.scheme and parts.netloc else None


@function(
    "get_url_protocol",
    syntax="get_url_protocol(URL)",
    description="The scheme of URL in lower case, or null when URL is not a URL.",
    example='get_url_protocol("https://platform.adobe.com/home")',
    result="https",
    null_first=True,
)
def get_url_protocol(url: Any) -> str | None:
    parts = _split("get_url_protocol", url)
    return parts.scheme.lower() if parts else None


@function(
    "get_url_host",
    syntax="get_url_host(URL)",
    description="The host of URL in lower case, or null.",
    example='get_url_host("https://platform.adobe.com/home")',
    result="platform.adobe.com",
    null_first=True,
)
def get_url_host(url: Any) -> str | None:
    parts = _split("get_url_host", url)
    return parts.hostname if parts else None


@function(
    "get_url_port",
    syntax="get_url_port(URL)",
    description="The port of URL; the scheme's default (http 80, https 443, ftp 21, ws 80, wss 443, ssh/sftp 22) "
    "when none is written; null otherwise.",
    example='get_url_port("sftp://example.com//home/joe/employee.csv")',
    result=22,
    null_first=True,
)
def get_url_port(url: Any) -> int | None:
    parts = _split("get_url_port", url)
    if parts is None:
        return None
    return parts.port if parts.port is not None else DEFAULT_PORTS.get(parts.scheme.lower())


@function(
    "get_url_path",
    syntax="get_url_path(URL, FULL_PATH?=true)",
    description="The path of URL; with FULL_PATH false only its last segment (the file name). Null when URL is "
    "not a URL.",
    example='get_url_path("https://platform.adobe.com/home/index.html")',
    result="/home/index.html",
    args=(1, 2),
    null_first=True,
)
def get_url_path(url: Any, full_path: Any = True) -> str | None:
    parts = _split("get_url_path", url)
    if parts is None:
        return None
    if full_path is None or full_path is True:
        return parts.path
    if full_path is False:
        return parts.path.rsplit("/", 1)[-1]
    raise EvaluationError(f"get_url_path: FULL_PATH must be true or false, got {full_path!r}")


def check_anchor(anchor: Any) -> None:
    """Compile-time check of get_url_query_str's ANCHOR."""
    if anchor not in ("retain", "remove", "append"):
        raise ValueError(f"ANCHOR must be 'retain', 'remove' or 'append', got {anchor!r}")


@function(
    "get_url_query_str",
    syntax="get_url_query_str(URL, ANCHOR)",
    description="The query parameters of URL as an object (values as written, the last of repeated keys wins). "
    "ANCHOR says what happens to a #fragment: retain keeps it on the last value, remove drops it, append adds "
    "it under the key _anchor_.",
    example='get_url_query_str("foo://example.com:8042/over/there?name=ferret#nose", "append")',
    result={"name": "ferret", "_anchor_": "nose"},
    args=(2, 2),
    null_first=True,
    checks={1: check_anchor},
)
def get_url_query_str(url: Any, anchor: Any) -> dict[str, str] | None:
    try:
        check_anchor(anchor)
    except ValueError as exc:
        raise EvaluationError(f"get_url_query_str: {exc}") from exc
    parts = _split("get_url_query_str", url)
    if parts is None:
        return None
    query, fragment = parts.query, parts.fragment
    if anchor == "retain" and fragment:
        query += "#" + fragment
    result: dict[str, str] = {}
    for pair in query.split("&"):
        if pair:
            key, _, value = pair.partition("=")
            result[key] = value
    if anchor == "append" and fragment:
        result["_anchor_"] = fragment
    return result


@function(
    "get_url_encoded",
    syntax="get_url_encoded(URL)",
    description="URL percent-encoded as by Java's URLEncoder (UTF-8; letters, digits and . - * _ kept, space as +).",
    example='get_url_encoded("https://example.com/partneralliance_asia-pacific_2022")',
    result="https%3A%2F%2Fexample.com%2Fpartneralliance_asia-pacific_2022",
    null_first=True,
)
def get_url_encoded(url: Any) -> str:
    return quote_plus(text_arg("get_url_encoded", url, "URL"), safe="*").replace("~", "%7E")


@function(
    "get_url_decoded",
    syntax="get_url_decoded(URL)",
    description="URL with percent-escapes and + decoded (UTF-8); null when an escape is malformed.",
    example='get_url_decoded("https%3A%2F%2Fexample.com%2Fpartneralliance_asia-pacific_2022")',
    result="https://example.com/partneralliance_asia-pacific_2022",
    null_first=True,
)
def get_url_decoded(url: Any) -> str | None:
    text = text_arg("get_url_decoded", url, "URL")
    if _BAD_ESCAPE.search(text):
        return None
    try:
        return unquote_plus(text, errors="strict")
    except UnicodeDecodeError:
        return None

"""Hashing functions: hex digests of text encoded in a Java charset."""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable
from typing import Any, Final

from stripeflow.prep.el.errors import EvaluationError
from stripeflow.prep.el.functions.base import Category, text_arg

HASHING = Category("hashing")

#: Java charset names and how Python encodes them (Java's UTF-16 writes a big-endian byte order mark).
CHARSETS: Final[dict[str, Callable[[str], bytes]]] = {
    "UTF-8": lambda s: s.encode("utf-8", "surrogatepass"),
    "UTF-16": lambda s: b"\xfe\xff" + s.encode("utf-16-be", "surrogatepass") if s else b"",
    "ISO-8859-1": lambda s: s.encode("latin-1", "replace"),
    "US-ASCII": lambda s: s.encode("ascii", "replace"),
}


def check_charset(charset: Any) -> None:
    """Compile-time check of a CHARSET argument."""
    if not isinstance(charset, str) or charset.upper() not in CHARSETS:
        raise ValueError(f"unsupported charset {charset!r}; use one of {', '.join(CHARSETS)}")


def encode(function_name: str, value: Any, charset: Any) -> bytes:
    """``value`` as bytes in ``charset`` (UTF-8 when null)."""
    text = text_arg(function_name, value, "INPUT")
    name = "UTF-8" if charset is None else charset
    try:
        check_charset(name)
    except ValueError as exc:
        raise EvaluationError(f"{function_name}: {exc}") from exc
    return CHARSETS[name.upper()](text)


def _digest(name: str, hasher: Callable[[bytes], str], result: str) -> None:
    def digest(value: Any, charset: Any = None) -> str:
        return hasher(encode(name, value, charset))

    HASHING.function(
        name,
        syntax=f"{name}(INPUT, CHARSET?)",
        description=f"The {name.upper()} of INPUT encoded in CHARSET (UTF-8, UTF-16, ISO-8859-1 or US-ASCII; "
        "UTF-8 by default), as lower-case hex." + (" Eight hex digits, zero-padded." if name == "crc32" else ""),
        example=f'{name}("my text", "UTF-8")',
        result=result,
        args=(1, 2),
        null_first=True,
        checks={1: check_charset},
    )(digest)


_digest(
    "sha1", lambda b: hashlib.sha1(b, usedforsecurity=False).hexdigest(), "c3599c11e47719df18a2448690840c5dfcce3c80"
)
_digest(
    "sha256",
    lambda b: hashlib.sha256(b).hexdigest(),
    "7330d2b39ca35eaf4cb95fc846c21ee6a39af698154a83a586ee270a0d372104",
)
_digest(
    "sha512",
    lambda b: hashlib.sha512(b).hexdigest(),
    "a3d7e45a0d9be5fd4e4b9a3b8c9c2163c21ef708bf11b4232bb21d2a8704ada2"
    "cdcd7b367dd0788a89a5c908cfe377aceb1072a7b386b7d4fd2ff68a8fd24d16",
)
_digest("md5", lambda b: hashlib.md5(b, usedforsecurity=False).hexdigest(), "d3b96ce8c9fb4e9bd0198d03ba6852c7")
_digest("crc32", lambda b: f"{zlib.crc32(b):08x}", "802ef98d")

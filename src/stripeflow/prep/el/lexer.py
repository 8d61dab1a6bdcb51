"""Tokenizer of the expression language."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any, Final

from stripeflow.prep.el.errors import ExpressionError
from stripeflow.prep.paths import RESERVED_WORDS, PathError, is_identifier_start, scan_name


class Kind(Enum):
    """Token kinds."""

    NUMBER = "number"
    STRING = "string"
    NAME = "name"
    KEYWORD = "keyword"
    OP = "operator"
    END = "end of expression"


@dataclass(frozen=True, slots=True)
class Token:
    """One token; ``value`` is the parsed literal, the name or the operator text."""

    kind: Kind
    value: Any
    pos: int
    end: int

    def describe(self) -> str:
        """How the token reads in an error message."""
        if self.kind is Kind.END:
            return "end of expression"
        if self.kind is Kind.STRING:
            return "string literal"
        return f"'{self.value}'"


#: Reserved words that the lexer reports as keywords when written bare.
KEYWORDS: Final = RESERVED_WORDS

# Longest first, so that "<=" wins over "<".
_OPERATORS: Final = (
    "?:", "??", "==", "!=", "<=", ">=", "&&", "||",
    "+", "-", "*", "/", "%", "<", ">", "!", "~", "?", ":", "(", ")", "[", "]", "{", "}", ",", ".",
)  # fmt: skip

_ESCAPES: Final = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "\\": "\\", "'": "'", '"': '"', "/": "/"}


def tokenize(text: str) -> list[Token]:
    """Split ``text`` into tokens, ending with an ``END`` token."""
    tokens: list[Token] = []
    pos = 0
    length = len(text)
    while True:
        while pos < length and text[pos].isspace():
            pos += 1
        if pos >= length:
            tokens.append(Token(Kind.END, None, length, length))
            return tokens
        char = text[pos]
        if char.isdigit() and char.isascii():
            token = _number(text, pos)
        elif char in "\"'":
            token = _string(text, pos)
        elif is_identifier_start(char) or char == "\\" or text.startswith("${", pos):
            token = _name(text, pos)
        else:
            token = _operator(text, pos)
        tokens.append(token)
        pos = token.end


def _number(text: str, pos: int) -> Token:
    end = pos
    length = len(text)
    while end < length and text[end].isascii() and text[end].isdigit():
        end += 1
    is_float = False
    if end + 1 < length and text[end] == "." and text[end + 1].isascii() and text[end + 1].isdigit():
        is_float = True
        end += 1
        while end < length and text[end].isascii() and text[end].isdigit():
            end += 1
    if end < length and text[end] in "eE":
        exp = end + 1
        if exp < length and text[exp] in "+-":
            exp += 1
        if exp < length and text[exp].isascii() and text[exp].isdigit():
            is_float = True
            end = exp
            while end < length and text[end].isascii() and text[end].isdigit():
                end += 1
    literal = text[pos:end]
    value: int | float = float(literal) if is_float else int(literal)
    if end < length and text[end] in "lL" and not is_float:
        end += 1
    elif end < length and text[end] in "dDfF":
        value = float(literal)
        end += 1
    if end < length and (text[end].isalnum() or text[end] == "_"):
        raise ExpressionError(f"unexpected {text[end]!r} after the number {text[pos:end]}", end, text)
    return Token(Kind.NUMBER, value, pos, end)


def _string(text: str, pos: int) -> Token:
    quote = text[pos]
    chars: list[str] = []
    i = pos + 1
    length = len(text)
    while i < length:
        char = text[i]
        if char == quote:
            return Token(Kind.STRING, "".join(chars), pos, i + 1)
        if char == "\\" and i + 1 < length:
            nxt = text[i + 1]
            if nxt == "u" and i + 6 <= length and _is_hex(text[i + 2 : i + 6]):
                chars.append(chr(int(text[i + 2 : i + 6], 16)))
                i += 6
                continue
            # Unknown escapes keep their backslash, so regexes such as "\d+" work as written.
            chars.append(_ESCAPES.get(nxt, "\\" + nxt))
            i += 2
            continue
        chars.append(char)
        i += 1
    raise ExpressionError("unclosed string literal", pos, text, f"end it with {quote}")


def _is_hex(digits: str) -> bool:
    return len(digits) == 4 and all(c in "0123456789abcdefABCDEF" for c in digits)


def _name(text: str, pos: int) -> Token:
    try:
        name, end, quoted = _scan(text, pos)
    except PathError as exc:
        raise ExpressionError(exc.message, exc.position, text) from exc
    if not quoted and name in KEYWORDS:
        return Token(Kind.KEYWORD, name, pos, end)
    return Token(Kind.NAME, name, pos, end)


def _scan(text: str, pos: int) -> tuple[str, int, bool]:
    # A bare reserved word is a keyword here, not an error as in a plain path.
    end = pos
    while end < len(text) and (text[end].isalnum() or text[end] in "$_"):
        end += 1
    word = text[pos:end]
    if word in KEYWORDS and (end >= len(text) or text[end] != "\\"):
        return word, end, False
    return scan_name(text, pos)


def _operator(text: str, pos: int) -> Token:
    for op in _OPERATORS:
        if text.startswith(op, pos):
            return Token(Kind.OP, op, pos, pos + len(op))
    raise ExpressionError(f"unexpected character {text[pos]!r}", pos, text)

"""Recursive-descent parser: tokens to a :mod:`~stripeflow.prep.el.nodes` tree, with JEXL precedence."""

from __future__ import annotations

from typing import Final

from stripeflow.prep.el.errors import ExpressionError
from stripeflow.prep.el.lexer import Kind, Token, tokenize
from stripeflow.prep.el.nodes import (
    ArrayLiteral,
    Binary,
    Call,
    Conditional,
    Index,
    Literal,
    Member,
    MethodCall,
    Node,
    ObjectLiteral,
    Path,
    Unary,
)
from stripeflow.prep.paths import WILDCARD, Segment

#: Binary operators by spelling: (canonical symbol, precedence). Higher binds tighter.
BINARY: Final = {
    "||": ("or", 1), "or": ("or", 1),
    "&&": ("and", 2), "and": ("and", 2),
    "==": ("==", 3), "eq": ("==", 3), "!=": ("!=", 3), "ne": ("!=", 3),
    "<": ("<", 4), "lt": ("<", 4), "<=": ("<=", 4), "le": ("<=", 4),
    ">": (">", 4), "gt": (">", 4), ">=": (">=", 4), "ge": (">=", 4),
    "+": ("+", 5), "-": ("-", 5),
    "*": ("*", 6), "/": ("/", 6), "div": ("/", 6), "%": ("%", 6), "mod": ("%", 6),
}  # fmt: skip
UNARY: Final = {"-": "-", "!": "!", "not": "!", "~": "~"}
_LITERALS: Final = {"true": True, "false": False, "null": None}


def parse(text: str) -> Node:
    """Parse a whole expression; raises :class:`ExpressionError` with the offset of the first problem."""
    return _Parser(text).parse()


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0

    # -- token helpers -------------------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def peek(self, ahead: int = 1) -> Token:
        return self.tokens[min(self.i + ahead, len(self.tokens) - 1)]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i = min(self.i + 1, len(self.tokens) - 1)
        return token

    def at(self, *ops: str) -> bool:
        return self.tok.kind in (Kind.OP, Kind.KEYWORD) and self.tok.value in ops

    def at_end(self) -> bool:
        return self.tok.kind is Kind.END

    def expect(self, op: str, context: str) -> Token:
        if not self.at(op):
            raise self.error(f"expected '{op}' {context} but found {self.tok.describe()}", self.tok.pos)
        return self.advance()

    def error(self, reason: str, pos: int, hint: str | None = None) -> ExpressionError:
        return ExpressionError(reason, pos, self.text, hint)

    # -- grammar -------------------------------------------------------------------------------------------
    def parse(self) -> Node:
        if self.at_end():
            raise self.error("empty expression", 0)
        node = self.conditional()
        if self.tok.kind is not Kind.END:
            raise self.error(f"unexpected {self.tok.describe()}", self.tok.pos, "expected an operator or the end")
        return node

    def conditional(self) -> Node:
        node = self.binary(1)
        if self.at("?:", "??"):
            op = self.advance().value
            return Binary(node.pos, op, node, self.conditional())
        if self.at("?"):
            self.advance()
            then = self.conditional()
            self.expect(":", "in a ternary c ? a : b")
            return Conditional(node.pos, node, then, self.conditional())
        return node

    def binary(self, min_precedence: int) -> Node:
        left = self.unary()
        while self.tok.kind in (Kind.OP, Kind.KEYWORD) and self.tok.value in BINARY:
            op, precedence = BINARY[self.tok.value]
            if precedence < min_precedence:
                break
            self.advance()
            right = self.binary(precedence + 1)
            left = Binary(left.pos, op, left, right)
        return left

    def unary(self) -> Node:
        if self.tok.kind in (Kind.OP, Kind.KEYWORD) and self.tok.value in UNARY:
            token = self.advance()
            return Unary(token.pos, UNARY[token.value], self.unary())
        return self.postfix(self.primary())

    def postfix(self, node: Node) -> Node:
        while True:
            if self.at(".") and self.peek().kind in (Kind.NAME, Kind.KEYWORD):
                self.advance()
                name = self.advance()
                if self.at("("):
                    node = MethodCall(name.pos, node, name.value, self.arguments())
                elif name.kind is Kind.KEYWORD:
                    raise self.reserved(name)
                else:
                    node = Member(name.pos, node, name.value)
            elif self.at("["):
                self.advance()
                index = self.conditional()
                self.expect("]", "to close the index")
                node = Index(index.pos, node, index)
            else:
                return node

    def primary(self) -> Node:
        token = self.tok
        if token.kind in (Kind.NUMBER, Kind.STRING):
            self.advance()
            return Literal(token.pos, token.value)
        if token.kind is Kind.KEYWORD and token.value in _LITERALS:
            self.advance()
            return Literal(token.pos, _LITERALS[token.value])
        if token.kind is Kind.NAME:
            if self.peek().kind is Kind.OP and self.peek().value == "(":
                self.advance()
                return Call(token.pos, token.value, self.arguments())
            return self.path()
        if self.at("("):
            self.advance()
            node = self.conditional()
            self.expect(")", "to close '('")
            return node
        if self.at("["):
            return ArrayLiteral(token.pos, self.sequence("[", "]"))
        if self.at("{"):
            return self.object_literal()
        if token.kind is Kind.KEYWORD:
            if self.peek().kind is Kind.OP and self.peek().value == "(" and token.value in ("empty", "size"):
                self.advance()
                return Call(token.pos, token.value, self.arguments())
            raise self.reserved(token)
        raise self.error(f"unexpected {token.describe()}", token.pos, "expected a value, a path or a function call")

    def reserved(self, token: Token) -> ExpressionError:
        return self.error(f"'{token.value}' is a reserved word", token.pos, f"write it as ${{{token.value}}}")

    def path(self) -> Path:
        start = self.advance()
        segments: list[Segment] = [start.value]
        while True:
            nxt, after = self.peek(), self.peek(2)
            if self.at(".") and nxt.kind is Kind.NAME and not (after.kind is Kind.OP and after.value == "("):
                self.advance()
                segments.append(self.advance().value)
            elif self.at("[") and nxt.kind is Kind.OP and nxt.value == "*" and after.value == "]":
                self.i += 3
                segments.append(WILDCARD)
            elif self.at("[") and _is_index(nxt) and after.kind is Kind.OP and after.value == "]":
                self.i += 3
                segments.append(nxt.value)
            else:
                return Path(start.pos, tuple(segments))

    def arguments(self) -> tuple[Node, ...]:
        return self.sequence("(", ")")

    def sequence(self, open_: str, close: str) -> tuple[Node, ...]:
        opener = self.expect(open_, "")
        items: list[Node] = []
        while not self.at(close):
            if self.at_end():
                raise self.error(f"unclosed '{open_}'", opener.pos, f"add '{close}'")
            items.append(self.conditional())
            if not self.at(close):
                if self.at_end():
                    raise self.error(f"unclosed '{open_}'", opener.pos, f"add '{close}'")
                self.expect(",", f"between items or '{close}'")
        self.advance()
        return tuple(items)

    def object_literal(self) -> ObjectLiteral:
        opener = self.expect("{", "")
        entries: list[tuple[Node, Node]] = []
        while not self.at("}"):
            if self.at_end():
                raise self.error("unclosed '{'", opener.pos, "add '}'")
            key = self.conditional()
            self.expect(":", "between a key and its value")
            entries.append((key, self.conditional()))
            if not self.at("}"):
                if self.at_end():
                    raise self.error("unclosed '{'", opener.pos, "add '}'")
                self.expect(",", "between entries or '}'")
        self.advance()
        return ObjectLiteral(opener.pos, tuple(entries))


def _is_index(token: Token) -> bool:
    return token.kind is Kind.NUMBER and isinstance(token.value, int) and token.value >= 0

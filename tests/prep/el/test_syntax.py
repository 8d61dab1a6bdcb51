"""Parsing: literals, paths, precedence, and compile-time errors with their positions."""

from __future__ import annotations

import pytest

from stripeflow.prep.el import (
    FUNCTIONS,
    MAX_EXPRESSION_LENGTH,
    OPERATORS,
    RESERVED_WORDS,
    ExpressionError,
    compile_expression,
    validate_expression,
)
from tests.prep.el.support import ev, rejected

RECORD = {
    "data": {
        "amount": 1250,
        "currency": "eur",
        "First Name": "Ada",
        "street.name": "Main",
        "if": "kw",
        "items": {"data": [{"id": "ii_1", "created": 1}, {"id": "ii_2", "created": 2}]},
    }
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("42", 42),
        ("4.5", 4.5),
        ("1e3", 1000.0),
        ("2.5E-1", 0.25),
        ("10L", 10),
        ("3d", 3.0),
        ("123456789012345678901234567890", 123456789012345678901234567890),
        ("'single'", "single"),
        ('"double"', "double"),
        (r'"a\"b\n\tc\\"', 'a"b\n\tc\\'),
        (r"'it\'s'", "it's"),
        (r'"\u00e9t\u00E9"', "été"),
        (r'"\d+"', r"\d+"),
        ('"日本語 ✓"', "日本語 ✓"),
        ("true", True),
        ("false", False),
        ("null", None),
        ("[1, 'a', null, [2]]", [1, "a", None, [2]]),
        ("[]", []),
        ('{"a": 1, "b": [true]}', {"a": 1, "b": [True]}),
        ("{}", {}),
    ],
)
def test_literals(text: str, value: object) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("data.amount", 1250),
        ("data . amount", 1250),
        ("data.${First Name}", "Ada"),
        ("data.street\\.name", "Main"),
        ("data.${street.name}", "Main"),
        ("data.${if}", "kw"),
        ("data.items.data[1].id", "ii_2"),
        ("data.items.data[*].id", ["ii_1", "ii_2"]),
        ("data.nothing.at.all", None),
        ("nothing", None),
        ("data.items.data[0]['id']", "ii_1"),
        ("data.items.data[2 - 1].id", "ii_2"),
        ('to_object("k", [1, 2]).k[1]', 2),
        ('to_object("k", 1).missing', None),
        ("[1, 2][5]", None),
        ('"abc".x', None),
    ],
)
def test_paths_and_member_access(text: str, value: object) -> None:
    assert ev(text, RECORD) == value


def test_wildcard_paths_follow_indexes() -> None:
    expression = compile_expression("concat(data.items.data[*].id, ':', data.items.data[*].created)")
    assert expression.has_wildcard
    assert expression.paths == ("data.items.data[*].id", "data.items.data[*].created")
    assert expression.evaluate(RECORD, (1,)) == "ii_2:2"
    assert ev("size_of(data.items.data[*].id)", RECORD) == 2


def test_paths_are_canonical_and_deduplicated() -> None:
    expression = compile_expression("data.${amount} + data.amount + data.${First Name}.length() + contains_key('x.y')")
    assert expression.paths == ("data.amount", "data.${First Name}", "x.y")
    assert not expression.has_wildcard
    assert compile_expression("1 + 2").paths == ()


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ("10 - 4 - 3", 3),
        ("100 / 10 / 5", 2),
        ("2 * 3 % 4", 2),
        ("-2 * 3", -6),
        ("- -2", 2),
        ("1 + 2 == 3", True),
        ("1 < 2 == true", True),
        ("true or false and false", True),
        ("(true or false) and false", False),
        ("not true or true", True),
        ("!(1 > 2)", True),
        ("1 lt 2 and 3 ge 3 and 4 gt 3 and 2 le 2 and 1 eq 1 and 1 ne 2", True),
        ("7 div 2 + 7 mod 2", 4),
        ("1 > 2 ? 'a' : 2 > 1 ? 'b' : 'c'", "b"),
        ("true ? 1 : 2 + 10", 1),
        ("null ?: 'x'", "x"),
        ("'' ?: 'empty'", "empty"),
        ("0 ?? 5", 0),
        ("null ?? null ?? 3", 3),
        ("~5", -6),
        ("'a' + 1 + 2", "a12"),
        ("1 + 2 + 'a'", "3a"),
        ("true && !false || false", True),
    ],
)
def test_precedence(text: str, value: object) -> None:
    assert ev(text) == value


def test_short_circuit_does_not_evaluate_the_other_side() -> None:
    assert ev("false and 1 / 0 == 1") is False
    assert ev("true or 1 / 0 == 1") is True
    assert ev("iif(true, 1, 1 / 0)") == 1
    assert ev("true ? 1 : 1 / 0") == 1
    assert ev("coalesce(1, 1 / 0)") == 1
    assert ev("'x' ?: 1 / 0") == "x"


@pytest.mark.parametrize(
    ("text", "position", "message"),
    [
        ("concatt('a')", 0, "unknown function 'concatt' at position 0 (did you mean 'concat'?)"),
        ("1 + uper('a')", 4, "unknown function 'uper' at position 4 (did you mean 'upper'?)"),
        ("1 +", 3, "unexpected end of expression at position 3"),
        ("(1 + 2", 6, "expected ')' to close '(' but found end of expression at position 6"),
        ("'abc", 0, "unclosed string literal at position 0"),
        ('concat("a", "b"', 6, "unclosed '(' at position 6 (add ')')"),
        ("substr('a')", 0, "function 'substr' takes 2 to 3 arguments but 1 was given at position 0"),
        ("upper('a', 'b')", 0, "function 'upper' takes 1 argument but 2 were given"),
        ("now(1)", 0, "function 'now' takes 0 arguments but 1 was given"),
        ("to_object('a')", 0, "takes at least 2 arguments"),
        ("to_object('a', 1, 'b')", 0, "even number of arguments"),
        ("matches_regex('a', '(')", 19, "matches_regex: invalid regex '('"),
        ("extract_regex(data.x, '[a-')", 22, "invalid regex"),
        ("sha256('a', 'EBCDIC')", 12, "unsupported charset 'EBCDIC'"),
        ("dformat(0, 'yyyy-bb')", 11, "unsupported letter 'b'"),
        ("zone_date_to_zone(now(), 'Mars/Olympus')", 25, "unknown time zone"),
        ("date_part('fortnight', now())", 10, "unknown date component"),
        ("get_url_query_str('x', 'keep')", 23, "ANCHOR must be"),
        ("contains_key('a..b')", 13, "contains_key: invalid path"),
        ("1 2", 2, "unexpected '2'"),
        ("a.if", 2, "'if' is a reserved word at position 2 (write it as ${if})"),
        ("while", 0, "'while' is a reserved word"),
        ("data.x.equalz('a')", 7, "unknown method 'equalz'"),
        ("'a'.equals()", 4, "method 'equals' takes 1 argument(s) but 0 given"),
        ("1 # 2", 2, "unexpected character '#'"),
        ("", 0, "empty expression"),
        ("   ", 0, "empty expression"),
        ("12abc", 2, "unexpected 'a' after the number 12"),
        ("[1, 2", 0, "unclosed '['"),
        ("{'a' 1}", 5, "expected ':'"),
        ("true ? 1", 8, "expected ':'"),
        ("a[*]x", 4, "unexpected 'x'"),
        ("f(,)", 2, "unexpected ','"),
    ],
)
def test_compile_errors(text: str, position: int, message: str) -> None:
    error = rejected(text)
    assert error.position == position
    assert message in str(error)
    assert error.expression == text


def test_error_attributes() -> None:
    error = rejected("concatt(1)")
    assert error.reason == "unknown function 'concatt'"
    assert error.hint == "did you mean 'concat'?"
    assert str(error) == "unknown function 'concatt' at position 0 (did you mean 'concat'?)"
    assert rejected("zzzzzz()").hint is None


def test_length_limit() -> None:
    longest = "1" + " " * (MAX_EXPRESSION_LENGTH - 2) + "1"
    assert len(longest) == 4096
    with pytest.raises(ExpressionError) as not_a_limit_error:
        compile_expression(longest)
    assert "limit" not in str(not_a_limit_error.value)
    assert ev("1" + " " * (MAX_EXPRESSION_LENGTH - 1)) == 1
    error = rejected("1" + " " * MAX_EXPRESSION_LENGTH)
    assert error.position == 4096
    assert "4097 characters" in error.reason


def test_deep_nesting_is_a_compile_error_not_a_crash() -> None:
    error = rejected("(" * 2000 + "1" + ")" * 2000)
    assert "nests too deeply" in str(error)
    assert ev("(" * 40 + "1" + ")" * 40) == 1
    assert ev("-" * 41 + "1") == -1


def test_validate_and_cache() -> None:
    validate_expression("upper(data.name)")
    with pytest.raises(ExpressionError):
        validate_expression("upper(")
    assert compile_expression("data.a + 1") is compile_expression("data.a + 1")
    assert repr(compile_expression("1")) == "Expression('1')"


def test_catalogues() -> None:
    symbols = {op.symbol for op in OPERATORS} | {alias for op in OPERATORS for alias in op.aliases}
    assert {"+", "/", "-", "~", "!", "not", "eq", "ne", "lt", "gt", "le", "ge", "and", "or", "div", "mod"} <= symbols
    assert {"new", "_errors", "size", "empty"} <= RESERVED_WORDS
    assert FUNCTIONS["lcase"].alias_of == "lower"
    assert FUNCTIONS["concat"].category == "string"


def test_empty_and_size_keywords_call_functions() -> None:
    assert ev("empty('')") is True
    assert ev("size([1, 2])") == 2

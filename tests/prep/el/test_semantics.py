"""Operator semantics: Java division, null propagation, comparisons, truthiness, methods."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.prep.el.support import ev, fails


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("7 / 2", 3),
        ("-7 / 2", -3),
        ("7 / -2", -3),
        ("-7 / -2", 3),
        ("7 / 2.0", 3.5),
        ("7.0 / 2", 3.5),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("7 % -3", 1),
        ("-7.5 % 2", -1.5),
        ("10 div 4", 2),
        ("10 mod 4", 2),
        ("123456789012345678901234567890 / 10", 12345678901234567890123456789),
        ("0.1 + 0.2", 0.1 + 0.2),
        ("2 * 2.5", 5.0),
        ("1250 / 100.0", 12.5),
    ],
)
def test_java_arithmetic(text: str, value: object) -> None:
    result = ev(text)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize("text", ["1 / 0", "1 % 0", "1.5 / 0", "1 / 0.0", "0 mod 0"])
def test_division_by_zero_is_an_evaluation_error(text: str) -> None:
    assert "division by zero" in str(fails(text))


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('"abc" * 2', 'operator * needs numbers, got string "abc" and integer 2'),
        ("true + 1", "operator + needs numbers, got boolean true and integer 1"),
        ("[1] - 1", "operator - needs numbers"),
        ('-"a"', "unary - needs a number"),
        ("~1.5", "operator ~ needs an integer"),
        ('1 < "2"', "cannot compare integer 1 with string"),
        ("now() > 1", "cannot compare date"),
        ("[1] < [2]", "cannot compare array"),
        ('{"a": 1} < {"a": 2}', "cannot compare object"),
    ],
)
def test_type_errors(text: str, words: str) -> None:
    assert words in str(fails(text))


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("null + 1", None),
        ("1 - null", None),
        ("null * 2", None),
        ("null / 0", None),
        ("null % 2", None),
        ("-null", None),
        ("~null", None),
        ('"a" + null', None),
        ("data.missing / 100", None),
        ("null == null", True),
        ("null == 0", False),
        ("null != 0", True),
        ("null < 1", False),
        ("null >= null", False),
        ("!null", True),
        ("null and true", False),
        ("null or true", True),
    ],
)
def test_null_semantics(text: str, value: object) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 == 1.0", True),
        ('"1" == 1', False),
        ("true == 1", False),
        ("0 == false", False),
        ("[1, 2] == [1.0, 2]", True),
        ("[1, 2] == [1]", False),
        ('{"a": 1} == {"a": 1}', True),
        ('"a" < "b"', True),
        ('"B" < "a"', True),
        ("1 < 1.5", True),
        ("false < true", True),
        ('date("2026-01-01") < date("2026-01-02")', True),
        ('date("2026-01-01T01:00:00+01:00") == date("2026-01-01T00:00:00Z")', True),
        ('"é" > "e"', True),
    ],
)
def test_equality_and_ordering(text: str, value: object) -> None:
    assert ev(text) is value


@pytest.mark.parametrize(
    ("value", "truthy"),
    [
        ("0", False),
        ("0.0", False),
        ("2", True),
        ('""', False),
        ('"false"', False),
        ('"no"', True),
        ("[]", False),
        ("[0]", True),
        ("{}", False),
        ("null", False),
        ("now()", True),
    ],
)
def test_truthiness(value: str, truthy: bool) -> None:
    assert ev(f"iif({value}, true, false)") is truthy
    assert ev(f"!{value}") is (not truthy)
    assert ev(f"{value} and true") is truthy


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"a" + 1', "a1"),
        ('"a" + 1.5', "a1.5"),
        ('"a" + true', "atrue"),
        ('"a" + [1, "b"]', 'a[1,"b"]'),
        ('"a" + {"k": null}', 'a{"k":null}'),
        ('"at " + date("2026-11-30T10:00:00Z")', "at 2026-11-30T10:00:00Z"),
        ('"é" + "✓"', "é✓"),
    ],
)
def test_string_concatenation_with_plus(text: str, value: str) -> None:
    assert ev(text) == value


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"abc".equals("abc")', True),
        ('"abc".equals("ABC")', False),
        ('"ÉCOLE".equalsIgnoreCase("école")', True),
        ('"Straße".equalsIgnoreCase("STRASSE")', True),
        ("(1).equals(1.0)", True),
        ('data.missing.equals("x")', None),
        ('str_to_object("a:1,b:2").get("b")', "2"),
        ("[1, 2].get(1)", 2),
        ("[1, 2].get(5)", None),
        ('"abc".length()', 3),
        ("[1, 2].size()", 2),
        ('"".isEmpty()', True),
        ('"Abc".toUpperCase()', "ABC"),
        ('"Abc".toLowerCase()', "abc"),
        ('" x ".trim()', "x"),
        ("(12).toString()", "12"),
        ('"hello".contains("ell")', True),
        ('["a", "b"].contains("b")', True),
        ('{"a": 1}.contains("a")', True),
        ('"hello".startsWith("he")', True),
        ('"hello".endsWith("lo")', True),
        ('"hello".indexOf("l")', 2),
        ('"hello".substring(1, 3)', "el"),
        ('"hello".substring(3)', "lo"),
        ('"a-b-c".replace("-", "+")', "a+b+c"),
        ('upper(data.name).equals("ADA")', True),
    ],
)
def test_methods(text: str, value: object) -> None:
    assert ev(text, {"data": {"name": "Ada"}}) == value


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("(1).get(0)", ".get() needs an object or an array"),
        ("(1).length()", ".size() needs a string"),
        ("(1).toUpperCase()", ".toUpperCase() needs a string"),
        ("(1).contains(1)", ".contains() needs"),
    ],
)
def test_method_type_errors(text: str, words: str) -> None:
    assert words in str(fails(text))


def test_dates_are_values() -> None:
    assert ev("now()") == datetime(2026, 11, 30, 10, tzinfo=UTC)
    assert ev('date("2026-11-30") == date("2026-11-30T00:00:00Z")') is True

"""Attribute paths: parsing, canonical formatting, getters and existence."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stripeflow.prep.paths import (
    RESERVED_WORDS,
    WILDCARD,
    PathError,
    Segment,
    Wildcard,
    compile_getter,
    format_path,
    parse_path,
    path_exists,
    wildcard_prefix,
)


@pytest.mark.parametrize(
    ("text", "segments"),
    [
        ("data.amount", ("data", "amount")),
        ("data.items.data[0].id", ("data", "items", "data", 0, "id")),
        ("data.items.data[*].created", ("data", "items", "data", WILDCARD, "created")),
        ("address.street\\.name", ("address", "street.name")),
        ("${First Name}", ("First Name",)),
        ("a.${if}.b", ("a", "if", "b")),
        ("${a\\}b}", ("a}b",)),
        ("$x._y.z9", ("$x", "_y", "z9")),
        ("matrix[1][*][12]", ("matrix", 1, WILDCARD, 12)),
        ("données.prénom", ("données", "prénom")),
        ("a.\\1b", ("a", "1b")),
    ],
)
def test_parse_path(text: str, segments: tuple[Segment, ...]) -> None:
    assert parse_path(text) == segments


@pytest.mark.parametrize(
    ("text", "position", "words"),
    [
        ("", 0, "empty path"),
        ("a..b", 2, "expected a name"),
        ("a.if", 2, "write it as ${if}"),
        ("new", 0, "reserved word"),
        ("a[x]", 2, "non-negative integer"),
        ("a[-1]", 2, "non-negative integer"),
        ("a[0", 1, "unclosed '['"),
        ("[0].a", 0, "starts with a key"),
        ("a b", 1, "escape it"),
        ("a-b", 1, "escape it"),
        ("${x", 0, "unclosed ${"),
        ("${}", 0, "empty name"),
        ("a\\", 1, "nothing to escape"),
        ("1abc", 0, "expected a name"),
        ("a.", 2, "expected a name but found the end"),
    ],
)
def test_parse_errors_say_where_and_how(text: str, position: int, words: str) -> None:
    with pytest.raises(PathError) as info:
        parse_path(text)
    assert info.value.position == position
    assert words in str(info.value)
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize(
    ("segments", "text"),
    [
        (("data", "amount"), "data.amount"),
        (("address", "street.name"), "address.street\\.name"),
        (("First Name",), "${First Name}"),
        (("a", "if"), "a.${if}"),
        (("a", 0, WILDCARD, "b"), "a[0][*].b"),
        (("a", "x}\\"), "a.${x\\}\\\\}"),
        (("a", "1.5"), "a.${1.5}"),
    ],
)
def test_format_path_is_canonical(segments: tuple[Segment, ...], text: str) -> None:
    assert format_path(segments) == text
    assert parse_path(text) == segments


@pytest.mark.parametrize("segments", [(), (0, "a"), (WILDCARD,), ("a", -1), ("a", ""), ("a", True), ("a", 1.5)])
def test_format_path_refuses_bad_segments(segments: tuple[object, ...]) -> None:
    with pytest.raises(ValueError, match=r"path|segment|index"):
        format_path(segments)  # type: ignore[arg-type]


def test_wildcard_is_a_singleton() -> None:
    assert Wildcard() is WILDCARD
    assert repr(WILDCARD) == "WILDCARD"
    assert "if" in RESERVED_WORDS
    assert "size" in RESERVED_WORDS


RECORD = {
    "data": {
        "amount": 1250,
        "refunded": None,
        "items": {"data": [{"id": "ii_1", "tags": [{"n": "a"}, {"n": "b"}]}, {"id": "ii_2", "tags": []}, {}]},
        "text": "abc",
    }
}


@pytest.mark.parametrize(
    ("text", "indexes", "value"),
    [
        ("data.amount", (), 1250),
        ("data.missing", (), None),
        ("data.amount.deeper", (), None),
        ("data.text[0]", (), None),
        ("data.items.data[1].id", (), "ii_2"),
        ("data.items.data[9].id", (), None),
        ("data.items.data[*].id", (0,), "ii_1"),
        ("data.items.data[*].id", (5,), None),
        ("data.items.data[*].id", (), ["ii_1", "ii_2", None]),
        ("data.items.data[*].tags[*].n", (0, 1), "b"),
        ("data.items.data[*].tags[*].n", (0,), ["a", "b"]),
        ("data.items.data[*].tags[*].n", (), [["a", "b"], [], None]),
        ("data.items.data[*]", (1,), {"id": "ii_2", "tags": []}),
        ("data.amount[*]", (0,), None),
        ("data.items", (), RECORD["data"]["items"]),
    ],
)
def test_compile_getter(text: str, indexes: tuple[int, ...], value: object) -> None:
    assert compile_getter(parse_path(text))(RECORD, indexes) == value


def test_getter_reads_tuples_and_ignores_strings() -> None:
    get = compile_getter(("a", 1))
    assert get({"a": (1, 2)}, ()) == 2
    assert get({"a": "xy"}, ()) is None
    assert get(None, ()) is None


def test_wildcard_prefix() -> None:
    assert wildcard_prefix(parse_path("data.items.data[*].tags[*].n")) == ("data", "items", "data")
    assert wildcard_prefix(("a", "b")) == ("a", "b")


@pytest.mark.parametrize(
    ("text", "indexes", "exists"),
    [
        ("data.amount", (), True),
        ("data.refunded", (), True),
        ("data.missing", (), False),
        ("data.items.data[2]", (), True),
        ("data.items.data[3]", (), False),
        ("data.items.data[*].id", (2,), False),
        ("data.items.data[*].id", (1,), True),
        ("data.items.data[*].id", (), True),
        ("data.items.data[*].tags[*].n", (1,), False),
        ("data.text[0]", (), False),
    ],
)
def test_path_exists(text: str, indexes: tuple[int, ...], exists: bool) -> None:
    assert path_exists(RECORD, parse_path(text), indexes) is exists


_keys = st.text(min_size=1, max_size=12)
_segments = st.lists(st.one_of(_keys, st.integers(0, 10**6), st.just(WILDCARD)), max_size=6)


@given(first=_keys, rest=_segments)
def test_parse_inverts_format(first: str, rest: list[Segment]) -> None:
    segments = (first, *rest)
    assert parse_path(format_path(segments)) == segments

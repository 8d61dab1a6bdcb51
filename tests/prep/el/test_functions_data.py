"""Object, array, map, logical, aggregation, conversion, JSON and special functions."""

from __future__ import annotations

import pytest

from tests.prep.el.support import UUID, ev, fails

R = {
    "data": {
        "customer": None,
        "metadata": {"plan": "gold", "seats": "3"},
        "lines": [{"id": "li_1", "amount": 5}, {"id": "li_2", "amount": 7}, {"amount": 1}],
        "status": "past_due",
        "blank": "",
    }
}


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("is_empty(null)", True),
        ('is_empty("")', True),
        ('is_empty(" ")', False),
        ("is_empty({})", True),
        ("is_empty(0)", False),
        ("is_empty(data.metadata)", False),
        (
            'arrays_to_object("sku", explode("id1|id2", "\\\\|"), "price", [22.5, 14.35])',
            [{"sku": "id1", "price": 22.5}, {"sku": "id2", "price": 14.35}],
        ),
        ('arrays_to_object("a", [1, 2], "b", [3])', [{"a": 1, "b": 3}, {"a": 2}]),
        ('arrays_to_object("a", null)', []),
        ('to_object("firstName", "John", "lastName", null)', {"firstName": "John", "lastName": None}),
        ('to_object(1, "x")', {"1": "x"}),
        ('str_to_object("firstName=John,lastName=Doe", "=", ",")', {"firstName": "John", "lastName": "Doe"}),
        ('str_to_object("a: 1, b :2, broken, c:x:y")', {"a": "1", "b": "2", "c": "x:y"}),
        ('str_to_object("a=1;b=2", "=", ";").get("b")', "2"),
        ('str_to_object("a=1", null, null)', {}),
        ("str_to_object(null)", None),
        ("contains_key(data.customer)", True),
        ("contains_key(data.metadata.plan)", True),
        ("contains_key(data.metadata.tier)", False),
        ('contains_key("data.metadata.plan")', True),
        ('contains_key(concat("data.", "status"))', True),
        ("contains_key(data.lines[*].id)", True),
        ("contains_key(data.lines[2].id)", False),
        ("nullify()", None),
        ("get_keys(data.metadata)", ["plan", "seats"]),
        ("get_keys(null)", None),
        ('get_values("firstName - John , lastName - Cena", "firstName", "-", ",")', "John"),
        ('get_values("a:1,b:2", "b", ":")', "2"),
        ('get_values("a:1,b:2", "z", ":")', None),
        ('map_get_values(data.metadata, "plan")', {"plan": "gold"}),
        ('map_get_values(data.metadata, ["plan", "tier"])', {"plan": "gold"}),
        ('map_has_keys(data.metadata, "plan")', True),
        ('map_has_keys(data.metadata, ["tier", "seats"])', True),
        ('map_has_keys(data.metadata, ["tier"])', False),
        ('map_has_keys(null, "plan")', False),
        ('add_to_map(to_object("a", 1), null, to_object("a", 2, "b", 3))', {"a": 1, "b": 3}),
        ('object_to_map("a", 1, "b", 2)', {"a": 1, "b": 2}),
        ("object_to_map(data.metadata)", {"plan": "gold", "seats": "3"}),
        ('object_to_map(data.lines, "id")', {"li_1": {"id": "li_1", "amount": 5}, "li_2": {"id": "li_2", "amount": 7}}),
        ("object_to_map(null)", None),
        ('array_to_map(data.lines, "id")', {"li_1": {"id": "li_1", "amount": 5}, "li_2": {"id": "li_2", "amount": 7}}),
        (
            'array_to_map(data.lines, "amount")',
            {"5": {"id": "li_1", "amount": 5}, "7": {"id": "li_2", "amount": 7}, "1": {"amount": 1}},
        ),
        ('array_to_map(null, "id")', None),
        ('to_map("a", 1)', {"a": 1}),
    ],
)
def test_objects_and_maps(text: str, value: object) -> None:
    assert ev(text, R) == value


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('get_keys("x")', "get_keys: OBJ must be an object, got string"),
        ("to_object([1], 2)", "KEY must be a string"),
        ('arrays_to_object("a", 1)', "must be an array"),
        ('map_get_values([1], "a")', "MAP must be an object"),
        ('array_to_map([1], "id")', "elements must be objects"),
        ('object_to_map("a", 1, "b")', "expected key/value pairs"),
        ('str_to_object("a", "")', "delimiters must not be empty"),
        ("contains_key(data.n + 1)", "contains_key: PATH must be a path or a string, got integer 2"),
        ('contains_key(concat("a..", "b"))', "invalid path"),
        ('add_to_map("x")', "MAP must be an object"),
    ],
)
def test_object_errors(text: str, words: str) -> None:
    assert words in str(fails(text, {"data": {"n": 1}}))


def test_contains_key_with_string_path_variable_and_indexes() -> None:
    record = {"data": {"p": "data.lines[*].id", "lines": [{"id": 1}, {}]}}
    assert ev("contains_key(coalesce(data.p))", record, (0,)) is True
    assert ev("contains_key(coalesce(data.p))", record, (1,)) is False


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('coalesce(null, "b", "c")', "b"),
        ("coalesce(data.customer, data.missing)", None),
        ('coalesce(data.blank, "x")', ""),
        ('first("1", "2", "3")', "1"),
        ("first(data.lines).id", "li_1"),
        ("first([])", None),
        ('last("1", "2", "3")', "3"),
        ("last(data.lines[*].id)", None),
        ("last(data.lines[*].amount)", 1),
        ('add_to_array(["a", "b"], "c", "d")', ["a", "b", "c", "d"]),
        ('add_to_array(null, "c")', ["c"]),
        ('add_to_array("a", ["b"])', ["a", ["b"]]),
        ('join_arrays(["a", "b"], ["c"], null, "d")', ["a", "b", "c", "d"]),
        ('to_array(false, "1", null, "2")', ["1", "2"]),
        ('to_array(true, "1", null)', ["1", None]),
        ("to_array(false)", []),
        ("size_of([1, 2, 3, 4])", 4),
        ("size_of(null)", 0),
        ('size_of("日本")', 2),
        ("size_of(data.metadata)", 2),
        ("size_of(42)", 1),
        ("size_of(data.lines[*].id)", 3),
        ("upsert_array_append([1])", [1]),
        ("upsert_array_replace(null)", None),
        ('decode("CA", "US", "United States", "CA", "Canada", "Unknown")', "Canada"),
        ('decode("FR", "US", "United States", "CA", "Canada", "Unknown")', "Unknown"),
        ('decode("FR", "US", "United States")', None),
        ("decode(1, 1.0, 'one')", "one"),
        ("decode(null, null, 'nothing', 'x')", "nothing"),
        ('decode(data.status, "active", "A", "past_due", "P")', "P"),
        ('iif(data.status == "past_due", "late", "ok")', "late"),
        ("iif(null, 1, 2)", 2),
        ("min(3, 1, 4)", 1),
        ("max(3, 1, 4)", 4),
        ("min(null, 2, null)", 2),
        ("max([1.5, 2, -1])", 2),
        ('max("b", "a")', "b"),
        ('min(date("2026-01-02"), date("2026-01-01")) == date("2026-01-01")', True),
        ("min(null)", None),
        ("max([])", None),
        ('to_integer("42")', 42),
        ('to_integer(" -7 ")', -7),
        ("to_integer(3.99)", 3),
        ("to_integer(-3.99)", -3),
        ("to_integer(null)", None),
        ('to_bigint("123456789012345678901234567890")', 123456789012345678901234567890),
        ('to_decimal("12.50")', 12.5),
        ("to_decimal(5)", 5.0),
        ('to_float("1.5e3")', 1500.0),
        ('to_float(" -0.25 ")', -0.25),
        ("to_decimal(data.metadata.seats) * 2", 6.0),
        ('json_to_object("{\\"name\\": \\"John\\", \\"tags\\": [1, null]}")', {"name": "John", "tags": [1, None]}),
        ('json_to_object("[1, 2]")[1]', 2),
        ('json_to_object("\\"s\\"")', "s"),
        ("json_to_object(null)", None),
        ("uuid()", UUID),
        ("guid()", UUID),
    ],
)
def test_arrays_logic_conversion_json_special(text: str, value: object) -> None:
    result = ev(text, R)
    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ('to_integer("3.5")', "to_integer: '3.5' is not an integer"),
        ('to_integer("abc")', "'abc' is not an integer"),
        ('to_integer("")', "'' is not an integer"),
        ("to_integer(true)", "cannot convert boolean true"),
        ("to_integer([1])", "S must be a string"),
        ('to_bigint("1e3")', "is not an integer"),
        ('to_decimal("abc")', "to_decimal: 'abc' is not a number"),
        ('to_float("NaN")', "not a finite number"),
        ('to_float("Infinity")', "not a finite number"),
        ('to_float("1_000")', "not a finite number"),
        ("to_decimal(false)", "cannot convert boolean"),
        ('json_to_object("{bad")', "json_to_object: invalid JSON"),
        ('json_to_object("NaN")', "invalid JSON"),
        ('min(1, "a")', "cannot compare"),
        ("max([1], [2])", "cannot compare"),
    ],
)
def test_data_errors(text: str, words: str) -> None:
    assert words in str(fails(text, R))


def test_uuid_by_default_is_random() -> None:
    from stripeflow.prep.el import compile_expression

    first, second = (compile_expression("uuid()").evaluate({}) for _ in range(2))
    assert first != second
    assert len(first) == 36

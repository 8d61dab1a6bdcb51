"""The fast paths of compiled mappers: inline native twins, inline object copies, objects skipped while their
source is absent. Each must give exactly what the slow path (the twin, the walker) gives."""

from __future__ import annotations

import time
from types import MappingProxyType
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from stripeflow.prep.defaults import epoch_text, epoch_to_date_time, major_amount
from stripeflow.prep.destination import compile_writer
from stripeflow.prep.el import EvaluationError, compile_expression
from stripeflow.prep.errors import INGEST_REQUIRED, MAPPER_TRANSFORM, XDM_TYPE, RowError
from stripeflow.prep.validation import field_schema
from tests.prep.support import array, boolean, expr, integer, mapper, number, obj, string, string_map

DATE_TIME = string(format="date-time")
CARD = obj(
    {
        "brand": string(), "exp": integer(), "ok": boolean(), "amount": number(minimum=0), "tags": array(string()),
        "meta": string_map(), "checks": obj({"cvc": string(), "zip": string()}), "need": obj({"id": string()}, "id"),
    }
)  # fmt: skip
SCHEMA = obj({"x": obj({"card": CARD, "at": DATE_TIME, "major": number(), "o": obj({"at": DATE_TIME, "p": string()})})})


@given(st.integers(0, 253_402_300_799))
def test_epoch_text_is_strftime(seconds: int) -> None:
    assert epoch_text(seconds) == time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


card_values = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**60), 2**60), st.floats(), st.text(max_size=3),
    st.lists(st.one_of(st.text(max_size=2), st.integers(), st.none()), max_size=2),
    st.dictionaries(st.sampled_from(["cvc", "zip", "id"]), st.one_of(st.none(), st.text(max_size=2), st.integers())),
)  # fmt: skip
cards = st.one_of(
    card_values, st.dictionaries(st.sampled_from([*CARD["properties"], "unknown"]), card_values, max_size=10)
)


@given(cards)
def test_inline_object_copy_agrees_with_the_walker(card: Any) -> None:
    m = mapper(SCHEMA, ("data.card", "x.card"))
    row = m.map_record({"data": {"card": card}})
    errors: list[RowError] = []
    expected = compile_writer(field_schema(CARD))(card, errors, "x.card") if card is not None else None
    assert sorted(row.errors, key=repr) == sorted(errors, key=repr)
    if not row.rejected:
        assert row.data == ({"x": {"card": expected}} if expected is not None else {})


def _twins() -> Any:
    return mapper(
        SCHEMA,
        expr(epoch_to_date_time("data.t"), "x.at"),
        expr(major_amount("data.amount"), "x.major"),
        expr(epoch_to_date_time("data.o.t"), "x.o.at"),
        ("data.o.p", "x.o.p"),
    )


@given(
    seconds=st.one_of(st.none(), st.integers(-(10**12), 10**12), st.floats(allow_nan=False), st.text(max_size=3)),
    amount=st.one_of(st.none(), st.integers(-(2**60), 2**60), st.floats(allow_nan=False, allow_infinity=False)),
    currency=st.one_of(st.none(), st.sampled_from(["usd", "JPY", "kwd"]), st.integers()),
)
def test_inline_twins_agree_with_the_expression_language(seconds: Any, amount: Any, currency: Any) -> None:
    record = {"data": {"t": seconds, "amount": amount, "currency": currency, "o": {"t": seconds}}}
    row = _twins().map_record(record)
    expected: dict[str, Any] = {}
    errors: list[tuple[str, str]] = []
    for text, path, field in (
        (epoch_to_date_time("data.t"), "x.at", DATE_TIME),
        (major_amount("data.amount"), "x.major", number()),
        (epoch_to_date_time("data.o.t"), "x.o.at", DATE_TIME),
    ):
        try:
            value = compile_expression(text).evaluate(record)
        except EvaluationError:
            errors.append((MAPPER_TRANSFORM, path))
            continue
        found: list[RowError] = []
        value = compile_writer(field_schema(field))(value, found, path) if value is not None else None
        errors += [(e.code, e.path or "") for e in found]
        if value is not None:
            expected[path] = value
    assert sorted((e.code, e.path or "") for e in row.errors) == sorted(errors)
    data = row.data or {}
    x = data.get("x", {})
    got = {"x.at": x.get("at"), "x.major": x.get("major"), "x.o.at": x.get("o", {}).get("at")}
    assert {k: v for k, v in got.items() if v is not None} == (expected if not row.rejected else {})


def test_twins_read_through_mappings_that_are_not_dicts() -> None:
    record = {"data": {"o": MappingProxyType({"t": 0, "p": "q"})}}
    row = _twins().map_record(record)
    assert row.errors == []
    assert row.data == {"x": {"o": {"at": "1970-01-01T00:00:00Z"}}}  # attributes do not read through them


def test_an_object_whose_source_is_absent_is_skipped_but_still_checked() -> None:
    m = _twins()
    assert m.map_record({"data": {}}).data == {}
    assert m.map_record({"data": {"o": {"t": 86_400}}}).data == {"x": {"o": {"at": "1970-01-02T00:00:00Z"}}}
    row = m.map_record({"data": {"o": {"t": "soon"}}})
    assert [(e.code, e.path) for e in row.errors] == [(MAPPER_TRANSFORM, "x.o.at")]


def test_inline_copies_report_what_the_walker_reports() -> None:
    m = mapper(SCHEMA, ("data.card", "x.card"))
    row = m.map_record({"data": {"card": {"checks": "no", "need": {}, "exp": 2**60, "brand": 12}}})
    assert sorted((e.code, e.path) for e in row.errors) == [
        (INGEST_REQUIRED, "x.card.need.id"),
        (XDM_TYPE, "x.card.checks"),
        ("XDM-1004-400", "x.card.exp"),
    ]
    assert m.map_record({"data": {"card": {"brand": 12, "exp": "7"}}}).data == {
        "x": {"card": {"brand": "12", "exp": 7}}
    }

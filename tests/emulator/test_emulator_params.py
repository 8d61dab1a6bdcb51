"""Query-string parsing (arrays, nested values, percent-encoding) and list-parameter validation."""

from __future__ import annotations

import pytest

from stripeflow.emulator.api_errors import ApiError
from stripeflow.emulator.params import CreatedRange, list_query, parse_bool, parse_query


@pytest.mark.parametrize(
    "query",
    [
        "expand[]=data.customer&expand[]=data.balance_transaction",
        "expand[0]=data.customer&expand[1]=data.balance_transaction",
        "expand%5B%5D=data.customer&expand%5B%5D=data.balance_transaction",
        "expand%5B0%5D=data.customer&expand%5B1%5D=data.balance_transaction",
        "expand[1]=data.balance_transaction&expand[0]=data.customer",
    ],
)
def test_every_array_spelling_gives_the_same_list(query: str) -> None:
    assert parse_query(query).arrays["expand"] == ["data.customer", "data.balance_transaction"]


def test_nested_values_and_scalars() -> None:
    params = parse_query("limit=5&created%5Bgte%5D=10&created[lt]=20&status=all")
    assert params.scalars == {"limit": "5", "status": "all"}
    assert params.nested == {"created": {"gte": "10", "lt": "20"}}


def test_created_ranges_become_half_open_intervals() -> None:
    def created(query: str) -> CreatedRange:
        return list_query(parse_query(query)).created

    assert created("created=100") == CreatedRange(100, 101)
    assert created("created[gt]=100&created[lte]=200") == CreatedRange(101, 201)
    assert created("created[gte]=100&created[gt]=150&created[lt]=300&created[lte]=250") == CreatedRange(151, 251)
    assert created("") == CreatedRange(None, None)


@pytest.mark.parametrize(
    ("query", "status", "param", "message"),
    [
        ("limit=101", 400, "limit", "between 1 and 100"),
        ("limit=0", 400, "limit", "between 1 and 100"),
        ("limit=ten", 400, "limit", "Invalid integer: ten"),
        (
            "starting_after=ch_1&ending_before=ch_2",
            400,
            "ending_before",
            "Received both starting_after and ending_before",
        ),
        ("colour=red", 400, "colour", "Received unknown parameter: colour"),
        ("created[since]=4", 400, "created[since]", "Received unknown parameter: created[since]"),
        ("created[gte]=yesterday", 400, "created[gte]", "Invalid integer"),
        ("expand=data.customer", 400, "expand", "Invalid array"),
        ("a[b][c]=1", 400, "a[b][c]", "unknown parameter"),
    ],
)
def test_bad_list_parameters_are_400s_naming_the_parameter(query: str, status: int, param: str, message: str) -> None:
    with pytest.raises(ApiError) as caught:
        list_query(parse_query(query))
    assert caught.value.status == status
    assert caught.value.param == param
    assert message in caught.value.message


def test_limit_defaults_to_ten_and_filters_pass_through() -> None:
    query = list_query(parse_query("customer=cus_1"), filters=frozenset({"customer"}))
    assert query.limit == 10
    assert query.filters == {"customer": "cus_1"}


def test_booleans_are_true_or_false_only() -> None:
    assert parse_bool("active", "true") is True
    assert parse_bool("active", "false") is False
    with pytest.raises(ApiError, match="Invalid boolean: yes"):
        parse_bool("active", "yes")

"""The configuration value and the ``--objects`` parser."""

from __future__ import annotations

import pytest

from stripeflow.emulator.config import DEFAULT_OBJECT_COUNT, RESOURCE_NAMES, EmulatorConfig, parse_objects


def test_a_bare_count_sets_every_resource() -> None:
    assert dict(parse_objects("250")) == dict.fromkeys(RESOURCE_NAMES, 250)


def test_pairs_override_and_the_rest_keep_the_default() -> None:
    counts = parse_objects("charges=5000, customers=200")
    assert counts["charges"] == 5000
    assert counts["customers"] == 200
    assert counts["prices"] == DEFAULT_OBJECT_COUNT


def test_a_bare_count_and_pairs_combine() -> None:
    counts = parse_objects("500,charges=5000")
    assert counts["charges"] == 5000
    assert counts["refunds"] == 500


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "expected a count"),
        ("lots", "whole number"),
        ("-5", "between 0 and"),
        ("charge=10", "unknown resource 'charge'; valid resources are charges"),
        ("charges=ten", "the count for charges must be a whole number"),
    ],
)
def test_bad_objects_say_what_is_wrong(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_objects(text)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"fail_rate": 1.5}, "fail_rate must be between 0 and 1"),
        ({"rate_limit": -1.0}, "rate_limit must be 0 or more"),
        ({"secret_keys": ("pk_test_x",)}, "must start with sk_test_"),
        ({"connected_accounts": ("cus_x",)}, "must start with acct_"),
        ({"objects": {"invoices": 3}}, "unknown resource"),
    ],
)
def test_invalid_configuration_is_refused(overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        EmulatorConfig(**overrides)  # type: ignore[arg-type]


def test_configuration_round_trips_through_json() -> None:
    config = EmulatorConfig(
        seed=3,
        objects=parse_objects("charges=7"),
        restricted_keys={"rk_test_abc": frozenset({"rak_charge_read"})},
        connected_accounts=("acct_1Shop",),
        anchor=1_700_000_000,
        fail_rate=0.1,
    )
    assert EmulatorConfig.from_json(config.to_json()) == config


def test_counts_per_account_and_mode() -> None:
    config = EmulatorConfig(objects=parse_objects("10"), live_objects={"charges": 3}, connected_objects={"prices": 2})
    assert config.counts_for("test", connected=False)["charges"] == 10
    assert config.counts_for("live", connected=False)["charges"] == 3
    assert config.counts_for("test", connected=True)["prices"] == 2

from __future__ import annotations

import re
import time
import uuid

import pytest

from stripeflow.store.ids import (
    CROCKFORD_ALPHABET,
    UlidGenerator,
    encode_ulid,
    new_batch_id,
    new_id,
    ulid_timestamp_ms,
)

ULID = re.compile(f"^[{CROCKFORD_ALPHABET}]{{26}}$")


def test_encode_ulid_matches_the_spec_layout() -> None:
    assert encode_ulid(0, 0) == "0" * 26
    assert encode_ulid((1 << 48) - 1, (1 << 80) - 1) == "7" + "Z" * 25
    # The spec's example time 1469918176385 encodes as 01ARYZ6S41.
    assert encode_ulid(1469918176385, 0).startswith("01ARYZ6S41")
    assert ulid_timestamp_ms(encode_ulid(1469918176385, 12345)) == 1469918176385


def test_encode_ulid_refuses_out_of_range_parts() -> None:
    with pytest.raises(ValueError, match="timestamp"):
        encode_ulid(1 << 48, 0)
    with pytest.raises(ValueError, match="80 bits"):
        encode_ulid(0, 1 << 80)


def test_new_batch_id_is_a_ulid_of_now() -> None:
    before = time.time_ns() // 1_000_000
    batch_id = new_batch_id()
    after = time.time_ns() // 1_000_000
    assert ULID.match(batch_id)
    assert before <= ulid_timestamp_ms(batch_id) <= after


def test_batch_ids_sort_in_creation_order_even_within_one_millisecond() -> None:
    ids = [new_batch_id() for _ in range(2000)]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_generator_orders_by_time_then_increments_within_a_millisecond() -> None:
    times = iter([1000, 1000, 1000, 999, 1001])  # includes a clock step backwards
    randoms = iter([50, 7, 3])
    generate = UlidGenerator(clock_ms=lambda: next(times), random_bits=lambda bits: next(randoms))
    ids = [generate() for _ in range(5)]
    assert ids == sorted(ids)
    assert [ulid_timestamp_ms(item) for item in ids] == [1000, 1000, 1000, 1000, 1001]
    assert ids[:4] == [encode_ulid(1000, 50 + step) for step in range(4)]
    assert ids[4] == encode_ulid(1001, 7)


def test_generator_carries_into_the_next_millisecond_when_randomness_overflows() -> None:
    generate = UlidGenerator(clock_ms=lambda: 5, random_bits=lambda bits: (1 << bits) - 1)
    first, second = generate(), generate()
    assert first < second
    assert ulid_timestamp_ms(second) == 6


def test_new_id_is_a_uuid4() -> None:
    value = new_id()
    assert uuid.UUID(value).version == 4
    assert new_id() != value

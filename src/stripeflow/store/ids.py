"""Identifiers for metadata rows.

Batch ids are ULIDs (https://github.com/ulid/spec): 26 characters of Crockford base32, a 48-bit millisecond
timestamp followed by 80 random bits, so that sorting the strings sorts the batches by creation time. Within one
process, ids made in the same millisecond are monotonic (the random part is incremented), so ``ORDER BY id``
also orders batches started back to back.
"""

from __future__ import annotations

import secrets
import threading
import time
import uuid
from collections.abc import Callable

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
ULID_LENGTH = 26
_TIME_BITS = 48
_RANDOM_BITS = 80
_MAX_TIME_MS = (1 << _TIME_BITS) - 1
_MAX_RANDOM = (1 << _RANDOM_BITS) - 1


def encode_ulid(timestamp_ms: int, randomness: int) -> str:
    """Encode a millisecond timestamp and 80 random bits as a 26-character Crockford base32 string."""
    if not 0 <= timestamp_ms <= _MAX_TIME_MS:
        raise ValueError(f"ULID timestamp out of range: {timestamp_ms}")
    if not 0 <= randomness <= _MAX_RANDOM:
        raise ValueError("ULID randomness must fit in 80 bits")
    value = (timestamp_ms << _RANDOM_BITS) | randomness
    chars = []
    for _ in range(ULID_LENGTH):
        chars.append(CROCKFORD_ALPHABET[value & 0x1F])
        value >>= 5
    return "".join(reversed(chars))


def ulid_timestamp_ms(ulid: str) -> int:
    """The creation time (Unix milliseconds) that a ULID carries in its first 10 characters."""
    if len(ulid) != ULID_LENGTH:
        raise ValueError(f"not a ULID: {ulid!r}")
    value = 0
    for char in ulid[:10].upper():
        value = (value << 5) | CROCKFORD_ALPHABET.index(char)
    return value


def _now_ms() -> int:
    return time.time_ns() // 1_000_000


class UlidGenerator:
    """Makes ULIDs that increase strictly within this generator, even inside one millisecond.

    The clock and the random source are injectable for tests. Thread-safe.
    """

    def __init__(
        self,
        clock_ms: Callable[[], int] = _now_ms,
        random_bits: Callable[[int], int] = secrets.randbits,
    ) -> None:
        self._clock_ms = clock_ms
        self._random_bits = random_bits
        self._lock = threading.Lock()
        self._last_ms = -1
        self._last_random = 0

    def __call__(self) -> str:
        with self._lock:
            now_ms = self._clock_ms()
            if now_ms <= self._last_ms:
                # Same millisecond (or a clock step backwards): keep the last time, bump the randomness.
                if self._last_random == _MAX_RANDOM:
                    self._last_ms += 1
                    self._last_random = self._random_bits(_RANDOM_BITS)
                else:
                    self._last_random += 1
            else:
                self._last_ms = now_ms
                self._last_random = self._random_bits(_RANDOM_BITS)
            return encode_ulid(self._last_ms, self._last_random)


_batch_ids = UlidGenerator()


def new_batch_id() -> str:
    """A new batch id: a ULID, sortable by creation time (monotonic within this process)."""
    return _batch_ids()


def new_id() -> str:
    """A new random id (UUID4 string) for syncs and other rows that need no ordering."""
    return str(uuid.uuid4())

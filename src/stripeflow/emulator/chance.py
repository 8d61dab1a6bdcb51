"""Fast draws from a seeded ``random.Random`` (``choice``, ``randint`` and ``choices`` cost several times more)."""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")


def _text_pool() -> str:
    source = random.Random("stripeflow-emulator-text")
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
    return "".join(source.choices(alphabet, k=TEXT_POOL_SIZE))


TEXT_POOL_SIZE = 1 << 16
_POOL = _text_pool()


def text(rng: random.Random, count: int) -> str:
    """``count`` alphanumeric characters for references and fingerprints (not ids: these may repeat).

    A slice of a fixed random pool at a random offset: one ``random()`` instead of one draw per character.
    """
    start = int(rng.random() * (TEXT_POOL_SIZE - count))
    return _POOL[start : start + count]


def pick(rng: random.Random, options: Sequence[T]) -> T:
    """One of ``options``, uniformly."""
    return options[int(rng.random() * len(options))]


def between(rng: random.Random, low: int, high: int) -> int:
    """An integer in ``[low, high]``, uniformly."""
    return low + int(rng.random() * (high - low + 1))


def below(rng: random.Random, count: int) -> int:
    """An integer in ``[0, count)``, uniformly."""
    return int(rng.random() * count)


class Weighted(Generic[T]):
    """A fixed table of weighted options, drawn with one ``random()`` and a bisection."""

    __slots__ = ("_cumulative", "_options", "_total")

    def __init__(self, table: Sequence[tuple[T, float]]) -> None:
        self._options = [option for option, _ in table]
        self._cumulative = list(accumulate(weight for _, weight in table))
        self._total = self._cumulative[-1]

    def draw(self, rng: random.Random) -> T:
        index = bisect_right(self._cumulative, rng.random() * self._total)
        return self._options[min(index, len(self._options) - 1)]

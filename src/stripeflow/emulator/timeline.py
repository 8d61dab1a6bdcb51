"""Creation times for generated objects: about two years of history, busier towards the present.

Activity grows exponentially so that the last month is ``GROWTH`` times as busy as the first one; a sample is
drawn by inverting that distribution's CDF, so it costs one ``random()`` and one ``log`` per object.
"""

from __future__ import annotations

import math
import random

DAY = 86_400
HISTORY_SECONDS = 730 * DAY
GROWTH = 4.0
_RATE = math.log(GROWTH) / HISTORY_SECONDS
_SCALE = math.expm1(_RATE * HISTORY_SECONDS)


def sample_time(rng: random.Random, anchor: int) -> int:
    """One creation time in ``(anchor - HISTORY_SECONDS, anchor]``, denser near ``anchor``."""
    offset = math.log1p(rng.random() * _SCALE) / _RATE
    return min(anchor, anchor - HISTORY_SECONDS + int(offset) + 1)


def sample_times(rng: random.Random, count: int, anchor: int) -> list[int]:
    """``count`` creation times, oldest first."""
    return sorted(sample_time(rng, anchor) for _ in range(count))


def later_time(rng: random.Random, after: int, anchor: int, max_delay: int) -> int:
    """A time after ``after`` by up to ``max_delay`` seconds (skewed early), never past ``anchor``.

    The delay is drawn within the room left before ``anchor``, so late objects do not pile up at ``anchor``.
    """
    room = max(0, min(max_delay, anchor - after - 1))
    return min(anchor, after + int(room * rng.random() ** 2) + 1)


def day_start(timestamp: int) -> int:
    """Midnight UTC of the day holding ``timestamp``."""
    return timestamp - timestamp % DAY

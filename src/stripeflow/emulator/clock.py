"""The emulator's notion of "now": an injected clock, started at the anchor, that admins can move forward."""

from __future__ import annotations

from collections.abc import Callable
from email.utils import formatdate

Clock = Callable[[], float]


class EmulatorClock:
    """``now()`` starts at ``anchor`` (default: the clock's time at start-up), follows the injected clock and adds
    every :meth:`advance`."""

    def __init__(self, clock: Clock, anchor: int | None = None) -> None:
        self._clock = clock
        self._started = clock()
        self.anchor = int(self._started) if anchor is None else anchor
        self._offset = 0
        self._date_for, self._date = -1, ""

    def now(self) -> int:
        return int(self.anchor + (self._clock() - self._started)) + self._offset

    def http_date(self) -> str:
        """``now()`` as an HTTP ``Date`` header value (Stripe's answers carry one; clients read the clock from it)."""
        now = self.now()
        if now != self._date_for:
            self._date_for, self._date = now, formatdate(now, usegmt=True)
        return self._date

    def advance(self, seconds: int) -> int:
        if seconds < 0:
            raise ValueError("the emulator clock only moves forward")
        self._offset += seconds
        return self.now()

"""Pure retry decisions and backoff, after stripe-python's ``_http_client``.

Retried: connection errors and timeouts, 409, 429 (rate limit and lock timeout), 5xx, a malformed 2xx page, and
a legacy 400 whose code is ``rate_limit``. Never retried: 400, 401, 403, 404. ``Stripe-Should-Retry`` overrides
both ways when the server sends it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

RETRYABLE_STATUSES = frozenset({409, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_retries: int = 8
    initial_delay: float = 0.5
    max_delay: float = 20.0

    def delay(self, attempt: int, rand: Callable[[], float]) -> float:
        """Capped exponential backoff with jitter for retry number ``attempt`` (1-based).

        The delay lies in ``[d/2, d]`` where ``d = min(max_delay, initial_delay * 2**(attempt-1))``: never zero,
        so a storm of retries spreads out instead of hitting the server in lockstep.
        """
        ceiling: float = min(self.max_delay, self.initial_delay * 2.0 ** max(0, attempt - 1))
        return ceiling * (0.5 + rand() / 2)


def should_retry(status: int | None, should_retry_header: str | None, error_code: str | None = None) -> bool:
    """Whether a request that ended this way is worth sending again.

    ``status`` is ``None`` for a connection error or timeout (no response at all).
    """
    if should_retry_header is not None:
        flag = should_retry_header.strip().lower()
        if flag == "true":
            return True
        if flag == "false":
            return False
    if status is None:
        return True
    if status == 400 and error_code == "rate_limit":  # API versions before 2015-09-18 sent rate limits as 400
        return True
    return status in RETRYABLE_STATUSES or status >= 500

"""Injected faults, drawn from a seeded random source in request order (never from the wall clock)."""

from __future__ import annotations

import random
from enum import Enum

from stripeflow.emulator.api_errors import ApiError
from stripeflow.emulator.config import EmulatorConfig

LOCK_TIMEOUT_MESSAGE = (
    "This object cannot be accessed right now because another API request or Stripe process is currently "
    "accessing it. If you see this error intermittently, retry the request. If you see this error frequently and "
    "are making multiple concurrent requests to a single object, make your requests serially or at a lower rate."
)


CONFLICT_MESSAGE = (
    "There is currently another in-progress request using this Stripe token (or idempotency key). Please try "
    "again later. (Injected by the emulator's conflict_rate.)"
)


class Fault(Enum):
    API_ERROR = "api_error"
    LOCK_TIMEOUT = "lock_timeout"
    CONFLICT = "conflict"
    BAD_JSON = "bad_json"
    NO_DATA = "no_data"


class FaultInjector:
    """Decides, request by request, whether to inject a fault; the sequence depends only on the seed."""

    def __init__(self, config: EmulatorConfig) -> None:
        self._rng = random.Random(f"faults:{config.seed}")
        self._fail = config.fail_rate
        self._lock = config.lock_timeout_rate
        self._malformed = config.malformed_rate
        self._conflict = config.conflict_rate
        self._no_retry_header = config.fail_should_retry_false

    def rates(self) -> dict[str, float]:
        return {
            "fail_rate": self._fail,
            "lock_timeout_rate": self._lock,
            "malformed_rate": self._malformed,
            "conflict_rate": self._conflict,
        }

    def set_rates(self, rates: dict[str, float]) -> None:
        """Change shares at run time (the random stream goes on where it was)."""
        self._fail = rates.get("fail_rate", self._fail)
        self._lock = rates.get("lock_timeout_rate", self._lock)
        self._malformed = rates.get("malformed_rate", self._malformed)
        self._conflict = rates.get("conflict_rate", self._conflict)

    def draw(self, is_list: bool) -> Fault | None:
        """The fault for the next request, if any (malformed bodies only for list pages)."""
        if not (self._fail or self._lock or self._malformed or self._conflict):
            return None
        draw = self._rng.random()
        if draw < self._fail:
            return Fault.API_ERROR
        if draw < self._fail + self._lock:
            return Fault.LOCK_TIMEOUT
        if draw < self._fail + self._lock + self._conflict:
            return Fault.CONFLICT
        if is_list and self._rng.random() < self._malformed:
            return Fault.BAD_JSON if self._rng.random() < 0.5 else Fault.NO_DATA
        return None

    def error(self, fault: Fault) -> ApiError:
        """The error answer of an API-error, lock-timeout or conflict fault."""
        if fault is Fault.LOCK_TIMEOUT:
            return ApiError(429, LOCK_TIMEOUT_MESSAGE, code="lock_timeout", headers={"Stripe-Should-Retry": "true"})
        if fault is Fault.CONFLICT:
            return ApiError(409, CONFLICT_MESSAGE, error_type="idempotency_error", code="idempotency_key_in_use")
        headers = {"Stripe-Should-Retry": "false"} if self._no_retry_header else {}
        return ApiError(
            500,
            "An unknown error occurred (injected by the emulator's --fail-rate).",
            error_type="api_error",
            headers=headers,
        )


def malformed(fault: Fault, body: bytes, url: str) -> bytes:
    """A 200 body that breaks Stripe's promise: cut-off JSON, or a list without ``data``."""
    if fault is Fault.BAD_JSON:
        return body[: max(1, len(body) // 2)]
    return b'{"object":"list","url":"' + url.encode() + b'","has_more":false}'

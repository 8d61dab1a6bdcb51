"""The Flow Service's calls to Stripe: check a key when an account is created, and read a sample page for explore.

Both go through :class:`stripeflow.stripe.client.StripeClient` (auth, Stripe-Version, Request-Id on errors) with
a short retry budget, since a person is waiting for the answer. They are blocking (each runs its own event loop),
for the API's worker threads; the transport is injectable for tests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Final, TypeVar

import httpx

from stripeflow.errors import (
    AuthenticationError,
    PermissionDeniedError,
    RetriesExhaustedError,
    RetryableError,
    StripeError,
    mask_key,
)
from stripeflow.stripe.client import StripeClient
from stripeflow.stripe.ratelimit import RequestBudget
from stripeflow.stripe.resources import RESOURCES
from stripeflow.stripe.retry import RetryPolicy
from stripeflow.sync.engine import identify

#: One quick retry: a person waits for the answer, and an unreachable Stripe should be reported within seconds.
PROBE_RETRY: Final = RetryPolicy(max_retries=1, initial_delay=0.2, max_delay=1.0)
PROBE_TIMEOUT: Final = 15.0
T = TypeVar("T")


class TokenRefusedError(Exception):
    """Stripe refused the key (or it cannot be a Stripe key); the message names the masked key and Stripe's answer."""


class StripeUnavailableError(Exception):
    """Stripe did not answer, or answered with something that is not a verdict on the key."""


@dataclass(frozen=True)
class ValidatedKey:
    """What checking a key taught: its account, mode and kind (``secret`` or ``restricted``)."""

    account_id: str
    livemode: bool
    key_type: str


class StripeProbe:
    """Checks keys and reads sample pages against ``api_base`` (``STRIPEFLOW_STRIPE_API_BASE``)."""

    def __init__(
        self,
        api_base: str,
        api_version: str,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy = PROBE_RETRY,
        timeout: float = PROBE_TIMEOUT,
    ) -> None:
        self.api_base = api_base
        self._api_version = api_version
        self._transport = transport
        self._retry = retry
        self._timeout = timeout

    def validate(self, token: str) -> ValidatedKey:
        """Check ``token`` with cheap calls (``/v1/account``, ``/v1/balance``); :class:`TokenRefusedError` or
        :class:`StripeUnavailableError` when it cannot be confirmed."""

        async def check(client: StripeClient) -> ValidatedKey:
            account = await identify(client, token)
            kind = "restricted" if token.startswith("rk_") else "secret"
            return ValidatedKey(account_id=account.id, livemode=account.livemode, key_type=kind)

        return self._run(token, check)

    def sample(self, token: str, resource: str, limit: int) -> list[dict[str, Any]]:
        """The newest ``limit`` objects of ``resource`` (its first list pass, e.g. ``status=all``)."""
        spec = RESOURCES[resource]

        async def read(client: StripeClient) -> list[dict[str, Any]]:
            page = await client.get(spec.path, {**spec.passes[0], "limit": str(limit)}, resource=spec.name)
            return [item for item in page.get("data") or [] if isinstance(item, dict)]

        return self._run(token, read)

    def _run(self, token: str, work: Callable[[StripeClient], Awaitable[T]]) -> T:
        async def main() -> T:
            client = StripeClient(
                token,
                api_base=self.api_base,
                api_version=self._api_version,
                budget=RequestBudget(0.0, 0.0),
                transport=self._transport,
                retry=self._retry,
                timeout=self._timeout,
                max_connections=4,
            )
            try:
                return await work(client)
            finally:
                await client.aclose()

        try:
            return asyncio.run(main())
        except AuthenticationError as exc:
            raise TokenRefusedError(_refusal(token, exc)) from None
        except PermissionDeniedError as exc:
            missing = f" ({exc.permission})" if exc.permission else ""
            raise TokenRefusedError(
                f"Stripe refused the access token {mask_key(token)}: {exc.message}{_request(exc)}. Give the restricted "
                f"key the missing read permission{missing}, or use a secret key"
            ) from None
        except (RetriesExhaustedError, RetryableError) as exc:
            raise StripeUnavailableError(
                f"Stripe at {self.api_base} did not answer: {exc.message}{_request(exc)}. Try again later; if it "
                "persists, check STRIPEFLOW_STRIPE_API_BASE and this server's network access to Stripe"
            ) from None
        except StripeError as exc:
            raise StripeUnavailableError(
                f"Stripe at {self.api_base} answered unexpectedly: {exc.message}"
                f"{f' (HTTP {exc.status})' if exc.status else ''}{_request(exc)}; check STRIPEFLOW_STRIPE_API_BASE"
            ) from None


def _refusal(token: str, exc: AuthenticationError) -> str:
    if exc.status is None:  # refused before sending: not the shape of a Stripe key
        return f"the access token {mask_key(token)} was not sent to Stripe: {exc.message}"
    code = f", code {exc.code}" if exc.code else ""
    return f"{exc.message} (HTTP {exc.status}{code}{_request(exc, bare=True)})"


def _request(exc: StripeError, *, bare: bool = False) -> str:
    if not exc.request_id:
        return ""
    return f", request id {exc.request_id}" if bare else f" (request id {exc.request_id})"

"""The HTTP client: the only place that sends requests to Stripe.

Auth, the pinned ``Stripe-Version``, timeouts, the shared request budget, retries with backoff, and the
translation of every failure into :mod:`stripeflow.errors` (each with Stripe's ``Request-Id``) happen here, once.
The transport is injectable (``httpx.MockTransport`` in unit tests, the emulator over loopback elsewhere).
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import random
import re
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
import orjson
from httpx_aiohttp import AiohttpTransport

from stripeflow import __version__
from stripeflow.errors import (
    AuthenticationError,
    BadRequestError,
    MalformedResponseError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    RetriesExhaustedError,
    RetryableError,
    StripeError,
    mask_key,
)
from stripeflow.stripe.ratelimit import RequestBudget
from stripeflow.stripe.retry import RetryPolicy, should_retry

log = logging.getLogger(__name__)

_PERMISSION = re.compile(r"'(rak_[a-z0-9_]+)'")
_ACCOUNT = re.compile(r"account '(acct_[A-Za-z0-9]+)'")
KEY_PREFIXES = ("sk_test_", "sk_live_", "rk_test_", "rk_live_")


@dataclass(slots=True)
class RequestMetrics:
    """Counters of one resource's traffic, read by progress displays and batch records."""

    requests: int = 0
    throttled: int = 0
    retries: int = 0


def check_key_format(key: str) -> None:
    """Refuse what cannot be a secret or restricted key before sending it anywhere."""
    if not key.startswith(KEY_PREFIXES):
        if key.startswith(("pk_test_", "pk_live_")):
            raise AuthenticationError(
                f"{mask_key(key)} is a publishable key; stripeflow needs a secret key (sk_...) or a restricted key "
                "(rk_...) from Developers > API keys in the Stripe dashboard"
            )
        raise AuthenticationError(
            "the access token does not look like a Stripe secret or restricted key (it should start with "
            "sk_test_, sk_live_, rk_test_ or rk_live_); copy it from Developers > API keys in the Stripe dashboard"
        )


class StripeClient:
    """An async Stripe API client for one account and one key."""

    def __init__(
        self,
        api_key: str,
        *,
        api_base: str,
        api_version: str,
        budget: RequestBudget,
        stripe_account: str | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        retry: RetryPolicy | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rand: Callable[[], float] = random.random,
        timeout: float = 60.0,
        max_connections: int = 16,
    ) -> None:
        check_key_format(api_key)
        self.api_version = api_version
        self.budget = budget
        self.retry = retry or RetryPolicy()
        self._key_mask = mask_key(api_key)
        self._sleep = sleep
        self._rand = rand
        self._clock_offset = 0.0
        headers = {
            "Authorization": f"Bearer {api_key}",
            "Stripe-Version": api_version,
            "User-Agent": f"stripeflow/{__version__}",
        }
        if stripe_account:
            headers["Stripe-Account"] = stripe_account
        self._pool_options: dict[str, Any] = {
            "base_url": api_base,
            "headers": headers,
            "transport": transport,
            "timeout": httpx.Timeout(timeout, connect=10.0),
            "limits": httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
            # Building an SSL context loads the CA bundle (tens of ms): build it once for all pools.
            "verify": _shared_ssl_context(),
        }
        # One connection pool per resource: httpcore scans its whole pool on every request, so several small
        # pools cost far less CPU than one large one. The request budget stays shared.
        self._pools: dict[str, httpx.AsyncClient] = {}

    @property
    def key_mask(self) -> str:
        return self._key_mask

    def _pool(self, resource: str | None) -> httpx.AsyncClient:
        name = resource or ""
        pool = self._pools.get(name)
        if pool is None:
            options = dict(self._pool_options)
            if options["transport"] is None:
                # aiohttp's HTTP parser is C; httpx's own (h11) spends more CPU on a 300 KB list page than the
                # JSON decoding of it. httpx stays the API, so tests still pass httpx.MockTransport.
                options["transport"] = AiohttpTransport(verify=options["verify"])  # not a CA bundle load per pool
            pool = self._pools[name] = httpx.AsyncClient(**options)
        return pool

    async def aclose(self) -> None:
        for pool in self._pools.values():
            await pool.aclose()
        self._pools.clear()

    async def __aenter__(self) -> StripeClient:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()

    def server_now(self) -> int:
        """Stripe's clock (from the ``Date`` of the last answer), in epoch seconds."""
        return int(time.time() + self._clock_offset)

    async def get(
        self,
        path: str,
        params: Mapping[str, str] | None = None,
        *,
        endpoint: str | None = None,
        metrics: RequestMetrics | None = None,
        resource: str | None = None,
        check: Callable[[dict[str, Any]], object] | None = None,
    ) -> dict[str, Any]:
        """GET ``path`` and return the decoded JSON object, retrying what is worth retrying.

        ``endpoint`` names the route for rate limiting (``GET /v1/charges/{id}``); it defaults to ``GET path``.
        ``check`` validates the body inside the retry loop: a :class:`MalformedResponseError` it raises (a list
        page without ``data``, say) is retried like a 5xx, then reported.
        """
        endpoint = endpoint or f"GET {path}"
        metrics = metrics or RequestMetrics()
        attempt = 0
        while True:
            await self.budget.acquire(endpoint)
            metrics.requests += 1
            try:
                body = await self._send_once(path, params, endpoint, resource)
                if check is not None:
                    check(body)
            except RetryableError as exc:
                if isinstance(exc, RateLimitedError):
                    metrics.throttled += 1
                    self.budget.on_throttled(endpoint, exc.reason)
                attempt += 1
                if attempt > self.retry.max_retries:
                    raise RetriesExhaustedError(
                        f"gave up on GET {path} after {attempt} attempts: {exc.message}",
                        status=exc.status,
                        code=exc.code,
                        request_id=exc.request_id,
                        resource=resource,
                    ) from exc
                metrics.retries += 1
                delay = self.retry.delay(attempt, self._rand)
                log.info(
                    "retrying stripe request",
                    extra={"path": path, "attempt": attempt, "delay": round(delay, 3), "error": str(exc)},
                )
                await self._sleep(delay)
                continue
            self.budget.on_success(endpoint)
            return body

    async def _send_once(
        self, path: str, params: Mapping[str, str] | None, endpoint: str, resource: str | None
    ) -> dict[str, Any]:
        try:
            # Streamed, so that the body is not kept by the response: httpx's response objects are reference
            # cycles, which only the garbage collector frees, and a list page is hundreds of KB.
            async with self._pool(resource).stream("GET", path, params=params) as response:
                if response.status_code == 200:
                    content = b"".join([chunk async for chunk in response.aiter_bytes()])
                else:
                    content = await response.aread()
        except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise RetryableError(
                f"no answer from Stripe for GET {path}: {type(exc).__name__}", resource=resource
            ) from exc
        self._note_server_time(response)
        request_id = response.headers.get("request-id")
        if response.status_code == 200:
            try:
                body = orjson.loads(content)
            except orjson.JSONDecodeError as exc:
                raise MalformedResponseError(
                    f"GET {path} answered 200 with a body that is not JSON",
                    status=200,
                    request_id=request_id,
                    resource=resource,
                ) from exc
            if not isinstance(body, dict):
                raise MalformedResponseError(
                    f"GET {path} answered 200 with JSON that is not an object",
                    status=200,
                    request_id=request_id,
                    resource=resource,
                )
            return body
        raise self._error(response, path, request_id, resource)

    def _note_server_time(self, response: httpx.Response) -> None:
        date = response.headers.get("date")
        if date:
            with contextlib.suppress(TypeError, ValueError):
                self._clock_offset = parsedate_to_datetime(date).timestamp() - time.time()

    def _error(self, response: httpx.Response, path: str, request_id: str | None, resource: str | None) -> StripeError:
        status = response.status_code
        error: dict[str, Any] = {}
        try:
            decoded = orjson.loads(response.content)
            if isinstance(decoded, dict) and isinstance(decoded.get("error"), dict):
                error = decoded["error"]
        except orjson.JSONDecodeError:
            pass
        message = str(error.get("message") or f"HTTP {status} from GET {path}")
        code = error.get("code")
        context: dict[str, Any] = {"status": status, "code": code, "request_id": request_id, "resource": resource}
        header_retry = response.headers.get("stripe-should-retry")
        if status == 429 or (status == 400 and code == "rate_limit"):
            reason = response.headers.get("stripe-rate-limited-reason")
            if header_retry is None or should_retry(status, header_retry, code):
                return RateLimitedError(message, reason=reason, **context)
        if status == 401:
            return AuthenticationError(
                f"Stripe refused the access token {self._key_mask}: {message} "
                "Check that the key is right, not expired and not revoked (Developers > API keys).",
                **context,
            )
        if status == 403:
            match = _PERMISSION.search(message)
            return PermissionDeniedError(message, permission=match.group(1) if match else None, **context)
        if should_retry(status, header_retry, code):
            return RetryableError(message, **context)
        if status == 404:
            return NotFoundError(message, **context)
        if status == 400:
            return BadRequestError(message, **context)
        return StripeError(message, **context)


@functools.cache
def _shared_ssl_context() -> ssl.SSLContext:
    return httpx.create_ssl_context()


def account_from_permission_error(error: PermissionDeniedError) -> str | None:
    """The ``acct_...`` a 403 message names, if any (restricted keys may not read /v1/account)."""
    match = _ACCOUNT.search(error.message)
    return match.group(1) if match else None

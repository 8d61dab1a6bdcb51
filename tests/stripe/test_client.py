"""The client against fake servers made of plain functions (httpx.MockTransport): no patching."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import httpx
import orjson
import pytest

from stripeflow.errors import (
    AuthenticationError,
    BadRequestError,
    NotFoundError,
    PermissionDeniedError,
    RetriesExhaustedError,
)
from stripeflow.stripe.client import RequestMetrics, StripeClient
from stripeflow.stripe.ratelimit import RequestBudget
from stripeflow.stripe.retry import RetryPolicy

KEY = "sk_test_0123456789abcdefghij"
Handler = Callable[[httpx.Request], httpx.Response]


def error(
    status: int, message: str, *, code: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {"error": {"type": "invalid_request_error", "message": message, "code": code}}
    return httpx.Response(
        status, content=orjson.dumps(body), headers={"Request-Id": f"req_{status}", **(headers or {})}
    )


def ok(body: object) -> httpx.Response:
    return httpx.Response(200, content=orjson.dumps(body), headers={"Request-Id": "req_ok"})


def run(handler: Handler, path: str = "/v1/charges", *, retries: int = 3) -> tuple[object, RequestMetrics, list[float]]:
    slept: list[float] = []

    async def sleep(seconds: float) -> None:
        slept.append(seconds)

    async def go() -> object:
        client = StripeClient(
            KEY,
            api_base="https://api.stripe.test",
            api_version="2026-07-29.dahlia",
            budget=RequestBudget(0, 0),
            transport=httpx.MockTransport(handler),
            retry=RetryPolicy(max_retries=retries, initial_delay=0.5, max_delay=4),
            sleep=sleep,
            rand=lambda: 1.0,
        )
        async with client:
            return await client.get(path, {"limit": "100"}, metrics=metrics)

    metrics = RequestMetrics()
    return asyncio.run(go()), metrics, slept


def test_sends_key_version_and_params() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return ok({"object": "list", "data": [], "has_more": False})

    body, metrics, _ = run(handler)
    assert body == {"object": "list", "data": [], "has_more": False}
    request = seen[0]
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["stripe-version"] == "2026-07-29.dahlia"
    assert request.url.params["limit"] == "100"
    assert metrics.requests == 1


def test_retries_429_and_5xx_with_backoff_then_succeeds() -> None:
    answers = iter(
        [
            error(
                429,
                "Request rate limit exceeded",
                code="rate_limit",
                headers={"Stripe-Rate-Limited-Reason": "endpoint-rate"},
            ),
            error(500, "boom"),
            httpx.Response(200, content=b"{not json", headers={"Request-Id": "req_bad"}),
            ok({"object": "list", "data": [], "has_more": False}),
        ]
    )
    body, metrics, slept = run(lambda request: next(answers))
    assert body == {"object": "list", "data": [], "has_more": False}
    assert (metrics.requests, metrics.throttled, metrics.retries) == (4, 1, 3)
    assert slept == [0.5, 1.0, 2.0]


def test_connection_errors_are_retried() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        if len(calls) < 3:
            raise httpx.ConnectError("refused", request=request)
        return ok({"id": "acct_1"})

    body, metrics, _ = run(handler, "/v1/account")
    assert body == {"id": "acct_1"}
    assert metrics.retries == 2


def test_gives_up_after_the_retry_budget_with_the_request_id() -> None:
    with pytest.raises(RetriesExhaustedError) as caught:
        run(lambda request: error(503, "unavailable"), retries=2)
    assert caught.value.request_id == "req_503"
    assert "3 attempts" in str(caught.value)


def test_stripe_should_retry_false_is_obeyed() -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return error(500, "do not retry me", headers={"Stripe-Should-Retry": "false"})

    with pytest.raises(Exception, match="do not retry me"):
        run(handler)
    assert len(calls) == 1


@pytest.mark.parametrize(
    ("status", "expected"),
    [(400, BadRequestError), (401, AuthenticationError), (403, PermissionDeniedError), (404, NotFoundError)],
)
def test_client_errors_are_not_retried_and_are_typed(status: int, expected: type[Exception]) -> None:
    calls = []

    def handler(request: httpx.Request) -> httpx.Response:
        calls.append(1)
        return error(status, "nope")

    with pytest.raises(expected) as caught:
        run(handler)
    assert len(calls) == 1
    assert caught.value.request_id == f"req_{status}"  # type: ignore[attr-defined]


def test_permission_error_names_the_missing_permission() -> None:
    message = (
        "The provided key 'rk_test_***abcd' does not have the required permissions for this endpoint on account "
        "'acct_1'. Having the 'rak_subscription_read' permission would allow this request to continue."
    )
    with pytest.raises(PermissionDeniedError) as caught:
        run(lambda request: error(403, message))
    assert caught.value.permission == "rak_subscription_read"


def test_invalid_key_message_masks_the_key() -> None:
    with pytest.raises(AuthenticationError) as caught:
        run(lambda request: error(401, "Invalid API Key provided: sk_test_****ghij"))
    assert KEY not in str(caught.value)
    assert "sk_test_****ghij" in str(caught.value)


@pytest.mark.parametrize("key", ["pk_test_123", "hello", ""])
def test_keys_that_cannot_work_are_refused_before_any_request(key: str) -> None:
    with pytest.raises(AuthenticationError):
        StripeClient(key, api_base="https://x", api_version="v", budget=RequestBudget(0, 0))


def test_server_time_follows_the_date_header() -> None:
    async def go() -> int:
        def handler(request: httpx.Request) -> httpx.Response:
            return httpx.Response(200, content=b"{}", headers={"Date": "Sun, 01 Jan 2040 00:00:00 GMT"})

        async with StripeClient(
            KEY,
            api_base="https://x",
            api_version="v",
            budget=RequestBudget(0, 0),
            transport=httpx.MockTransport(handler),
        ) as client:
            await client.get("/v1/account")
            return client.server_now()

    assert abs(asyncio.run(go()) - 2208988800) <= 2


def test_a_check_that_rejects_the_body_is_retried_then_reported() -> None:
    from stripeflow.errors import MalformedResponseError
    from stripeflow.stripe.pagination import page_items

    answers = iter([ok({"object": "list", "has_more": False}), ok({"object": "list", "data": [], "has_more": False})])

    async def go() -> object:
        async with StripeClient(
            KEY,
            api_base="https://x",
            api_version="v",
            budget=RequestBudget(0, 0),
            transport=httpx.MockTransport(lambda request: next(answers)),
            sleep=_no_sleep,
        ) as client:
            return await client.get("/v1/charges", check=lambda page: page_items(page, "/v1/charges"))

    assert asyncio.run(go()) == {"object": "list", "data": [], "has_more": False}

    async def always_bad() -> object:
        async with StripeClient(
            KEY,
            api_base="https://x",
            api_version="v",
            budget=RequestBudget(0, 0),
            transport=httpx.MockTransport(lambda request: ok({"object": "list"})),
            sleep=_no_sleep,
            retry=RetryPolicy(max_retries=2),
        ) as client:
            return await client.get("/v1/charges", check=lambda page: page_items(page, "/v1/charges"))

    with pytest.raises(RetriesExhaustedError) as caught:
        asyncio.run(always_bad())
    assert isinstance(caught.value.__cause__, MalformedResponseError)


async def _no_sleep(seconds: float) -> None:
    return None

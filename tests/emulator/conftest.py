"""Fixtures for the emulator's tests: an in-process app driven with a controllable clock, and a real server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from stripeflow.emulator.app import EmulatorApp, create_app
from stripeflow.emulator.config import READ_PERMISSIONS, EmulatorConfig
from stripeflow.emulator.server import RunningEmulator, start_emulator

ANCHOR = 1_750_000_000
KEY = "sk_test_emulator"
RESTRICTED = "rk_test_chargesonly0001"
SMALL = {
    "charges": 400,
    "subscriptions": 300,
    "refunds": 150,
    "balance_transactions": 400,
    "customers": 250,
    "prices": 120,
}


class FakeClock:
    """A clock the test moves by hand (``clock.now += 10``)."""

    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


class Client:
    """A synchronous client that drives the ASGI app directly (no network), answering ``httpx.Response`` objects.

    For tests that control the clocks; the loopback tests use a real server.
    """

    def __init__(self, app: EmulatorApp, key: str | None = KEY) -> None:
        self.app = app
        self.key = key

    def request(
        self,
        method: str,
        url: str,
        *,
        key: str | None = None,
        auth: bool = True,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        json: Any = None,
        data: dict[str, str] | None = None,
    ) -> httpx.Response:
        """Send a request; ``key`` overrides the client's key, ``auth=False`` sends none; ``data`` is a form."""
        request = httpx.Request(method, f"http://emulator{url}", params=params, headers=headers, json=json, data=data)
        if auth and (key or self.key):
            request.headers["Authorization"] = f"Bearer {key or self.key}"
        return asyncio.run(self._send(request))

    async def _send(self, request: httpx.Request) -> httpx.Response:
        scope = {
            "type": "http",
            "method": request.method,
            "path": request.url.path,
            "query_string": request.url.query,
            "headers": [(name.lower(), value) for name, value in request.headers.raw],
        }
        body, sent = request.read(), []

        async def receive() -> dict[str, Any]:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: dict[str, Any]) -> None:
            sent.append(message)

        await self.app(scope, receive, send)
        start, content = sent[0], b"".join(m.get("body", b"") for m in sent[1:])
        return httpx.Response(start["status"], headers=start["headers"], content=content, request=request)

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        return self.request("POST", url, **kwargs)

    def ok(self, url: str, **kwargs: Any) -> Any:
        response = self.get(url, **kwargs)
        assert response.status_code == 200, response.text
        return response.json()


def small_config(**overrides: Any) -> EmulatorConfig:
    values: dict[str, Any] = {
        "seed": 7,
        "objects": SMALL,
        "anchor": ANCHOR,
        "rate_limit": 0.0,
        "endpoint_rate_limit": 0.0,
        "search_rate_limit": 0.0,
    }
    values.update(overrides)
    return EmulatorConfig(**values)


@pytest.fixture(scope="module")
def shared_app() -> EmulatorApp:
    """One in-process emulator for tests that only read."""
    return create_app(small_config(), clock=FakeClock(ANCHOR))


@pytest.fixture
def client(shared_app: EmulatorApp) -> Client:
    return Client(shared_app)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(ANCHOR)


@pytest.fixture
def fresh(clock: FakeClock) -> Client:
    """An in-process emulator of the test's own (free to mutate), on the ``clock`` fixture."""
    return Client(create_app(small_config(), clock=clock))


@pytest.fixture(scope="session")
def server() -> Iterator[RunningEmulator]:
    """A real emulator in a child process, over loopback; tests only read from it."""
    config = small_config(
        connected_accounts=("acct_1ConnectedShop001",),
        restricted_keys={"rk_test_emulator_readonly": READ_PERMISSIONS, RESTRICTED: frozenset({"rak_charge_read"})},
    )
    with start_emulator(config) as running:
        yield running

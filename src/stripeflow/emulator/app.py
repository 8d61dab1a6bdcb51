"""The ASGI application: a raw ASGI callable over :class:`~stripeflow.emulator.service.EmulatorService`.

No framework sits in between: the hot path (a list page of pre-serialized objects) is parse, look up, join, send.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import httpx

from stripeflow.emulator import admin, connect
from stripeflow.emulator.api_errors import unrecognized_url
from stripeflow.emulator.clock import Clock
from stripeflow.emulator.config import EmulatorConfig
from stripeflow.emulator.service import EmulatorService, Response

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


class EmulatorApp:
    """ASGI: ``/v1/…`` is the Stripe API, ``/_emulator/…`` the admin API."""

    def __init__(self, service: EmulatorService) -> None:
        self.service = service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        if path.startswith("/_emulator/"):
            response = admin.handle(self.service, method, path, await _body(receive))
            await self.service.webhooks.flush()  # events made by a change are sent before it answers
        elif path.startswith("/oauth/"):
            query = scope["query_string"].decode("latin-1")
            response = connect.handle(self.service, method, path, query, _headers(scope), await _body(receive))
        elif path.startswith("/v1"):
            if self.service.latency_ms:
                await asyncio.sleep(self.service.latency_ms / 1000)
            query = scope["query_string"].decode("latin-1")
            response = self.service.api(method, path, query, _headers(scope))
        else:
            error = unrecognized_url(method, path)
            request_id = self.service.request_id()
            response = Response(error.status, error.body(request_id, False), {"Request-Id": request_id})
        await _send(send, response)  # uvicorn leaves the body out of answers to HEAD


def create_app(
    config: EmulatorConfig,
    clock: Clock = time.time,
    *,
    monotonic: Clock = time.monotonic,
    webhook_transport: httpx.AsyncBaseTransport | None = None,
) -> EmulatorApp:
    """Build the emulator (generating the platform's test data now) and its ASGI app.

    ``clock`` gives the emulator's wall time (its data and events are relative to it); ``monotonic`` drives the
    rate limits; ``webhook_transport`` carries webhook deliveries. Tests pass fakes for all three.
    """
    return EmulatorApp(EmulatorService(config, clock, monotonic, webhook_transport))


def _headers(scope: Scope) -> dict[str, str]:
    return {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)


async def _send(send: Send, response: Response) -> None:
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(response.body)).encode()),
        *((name.lower().encode("latin-1"), value.encode("latin-1")) for name, value in response.headers.items()),
    ]
    await send({"type": "http.response.start", "status": response.status, "headers": headers})
    await send({"type": "http.response.body", "body": response.body})


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return

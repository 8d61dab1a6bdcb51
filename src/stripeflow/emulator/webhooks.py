"""Webhook delivery of the events that changes make, signed the way Stripe signs them.

``Stripe-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, f"{t}.{body}")>``, with ``t`` from the emulator clock and
the event's exact bytes as the body. Deliveries happen before the ``/_emulator/mutate`` call that made the events
answers (so tests see them at once); each endpoint gets up to three attempts. Generated history is not delivered.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import httpx
import orjson

from stripeflow.emulator.dataset import Dataset

ATTEMPTS = 3
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    mac = hmac.new(secret.encode(), str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


@dataclass(slots=True)
class Deliveries:
    delivered: int = 0
    failed: int = 0
    attempts: int = 0


@dataclass(slots=True)
class WebhookSender:
    """Holds the events waiting to be sent and sends them to every configured endpoint."""

    endpoints: Mapping[str, str]
    now: Callable[[], int]
    transport: httpx.AsyncBaseTransport | None = None
    outbox: list[tuple[Dataset, str]] = field(default_factory=list)
    counts: Deliveries = field(default_factory=Deliveries)

    def queue(self, data: Dataset, event_ids: list[str]) -> None:
        if self.endpoints:
            self.outbox += [(data, event_id) for event_id in event_ids]

    async def flush(self) -> None:
        """Send everything queued; each event then shows how many endpoints still wait for it."""
        if not self.outbox:
            return
        pending, self.outbox = self.outbox, []
        async with httpx.AsyncClient(transport=self.transport, timeout=10.0) as client:
            for data, event_id in pending:
                record = data["events"].get(event_id)
                if record is None:
                    continue
                failed = 0
                for url, secret in self.endpoints.items():
                    failed += not await self._send(client, url, secret, record.body)
                event = orjson.loads(record.body)
                if event["pending_webhooks"] != failed:
                    data["events"].put(event | {"pending_webhooks": failed})

    async def _send(self, client: httpx.AsyncClient, url: str, secret: str, body: bytes) -> bool:
        for _ in range(ATTEMPTS):
            self.counts.attempts += 1
            headers = {
                "Content-Type": "application/json; charset=utf-8",
                "User-Agent": USER_AGENT,
                "Stripe-Signature": signature_header(secret, self.now(), body),
            }
            try:
                response = await client.post(url, content=body, headers=headers)
            except httpx.HTTPError:
                continue
            if response.is_success:
                self.counts.delivered += 1
                return True
        self.counts.failed += 1
        return False

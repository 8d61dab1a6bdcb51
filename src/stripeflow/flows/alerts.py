"""Run alerts: a flow's webhook gets a signed POST when a run starts, succeeds or fails.

A flow subscribes with ``"alerts": {"url": "https://...", "events": ["sources_flow_run_start", ...]}`` (events
default to all three). The payload is the run object plus ``_adobeio{imsOrgId, providerMetadata:
"platform_notifications", eventCode}``, as the Platform's I/O Events notifications. Each POST carries
``x-stripeflow-signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`` keyed by the server's alert
signing secret (``STRIPEFLOW_ALERT_SIGNING_SECRET``, else generated into ``<data dir>/alert-signing-secret``).
Failed deliveries (connection errors, 408, 429, 5xx) are retried with exponential backoff; every delivery is
recorded in ``alert_deliveries``.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import os
import secrets
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import httpx
import orjson
from sqlalchemy import select, update

from stripeflow.settings import Settings
from stripeflow.store.database import Clock, Database
from stripeflow.store.models import AlertDelivery

RUN_START: Final = "sources_flow_run_start"
RUN_SUCCESS: Final = "sources_flow_run_success"
RUN_FAILURE: Final = "sources_flow_run_failure"
EVENTS: Final = (RUN_START, RUN_SUCCESS, RUN_FAILURE)
SIGNATURE_HEADER: Final = "x-stripeflow-signature"
SECRET_FILE: Final = "alert-signing-secret"  # noqa: S105 (a file name)
RETRYABLE_STATUSES: Final = frozenset({408, 425, 429, 500, 502, 503, 504})


@dataclass(frozen=True, slots=True)
class AlertSubscription:
    url: str
    events: tuple[str, ...] = EVENTS

    def to_json(self) -> dict[str, Any]:
        return {"url": self.url, "events": list(self.events)}


def parse_alerts(value: Any) -> AlertSubscription | None:
    """The ``alerts`` of a flow body (``None``/absent: no alerts); :class:`ValueError` says what is wrong."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise ValueError('alerts must be an object: {"url": "https://...", "events": ["sources_flow_run_failure"]}')
    unknown = sorted(set(value) - {"url", "events"})
    if unknown:
        raise ValueError(f"alerts has unknown fields {', '.join(unknown)}; it takes url and events")
    url = value.get("url")
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"alerts.url must be an http(s) URL, got {url!r}")
    events = value.get("events", list(EVENTS))
    if not isinstance(events, list) or not events or any(item not in EVENTS for item in events):
        raise ValueError(f"alerts.events must be a non-empty list of {', '.join(EVENTS)}; got {events!r}")
    return AlertSubscription(str(url), tuple(dict.fromkeys(events)))


def sign(secret: bytes, timestamp: int, body: bytes) -> str:
    """The signature header value: ``t=<timestamp>,v1=<hex HMAC-SHA256 of "<timestamp>.<body>">``."""
    digest = hmac.new(secret, f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def verify(secret: bytes, header: str, body: bytes, *, now: int, tolerance: int = 300) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` at a time within ``tolerance`` seconds of ``now``."""
    fields = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    try:
        timestamp = int(fields["t"])
    except (KeyError, ValueError):
        return False
    expected = sign(secret, timestamp, body).split("v1=", 1)[1]
    return abs(now - timestamp) <= tolerance and hmac.compare_digest(expected, fields.get("v1", ""))


def signing_secret(settings: Settings) -> bytes:
    """The configured secret, else the one kept in the data dir (generated, mode 0600, on first use)."""
    if settings.alert_signing_secret is not None:
        return settings.alert_signing_secret.get_secret_value().encode()
    path = Path(settings.data_dir) / SECRET_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:  # another process made it first
            return path.read_text().strip().encode()
        with os.fdopen(descriptor, "w") as handle:
            handle.write(f"whsec_{secrets.token_hex(32)}\n")
    return path.read_text().strip().encode()


def event_for(status: str) -> str:
    """The alert event of a finished run's status."""
    return RUN_SUCCESS if status == "success" else RUN_FAILURE


def alert_payload(run: Mapping[str, Any], org_id: str, event: str) -> dict[str, Any]:
    return {**run, "_adobeio": {"imsOrgId": org_id, "providerMetadata": "platform_notifications", "eventCode": event}}


class AlertDeliveryRepository:
    """Rows of ``alert_deliveries``: one per alert, updated after each attempt."""

    def __init__(self, db: Database, clock: Clock) -> None:
        self._db = db
        self._clock = clock

    def create(self, flow_id: str, run_id: str | None, event: str, url: str, payload: dict[str, Any]) -> str:
        now = self._clock()
        row = AlertDelivery(
            id=str(uuid.uuid4()), flow_id=flow_id, run_id=run_id, event=event, url=url, status="pending",
            attempts=0, payload=payload, created_at=now, updated_at=now,
        )  # fmt: skip
        with self._db.writing() as session:
            session.add(row)
        return row.id

    def record(self, delivery_id: str, *, status: str, attempts: int, response: int | None, error: str | None) -> None:
        values = {"status": status, "attempts": attempts, "response_status": response, "error": error}
        with self._db.writing() as session:
            session.execute(
                update(AlertDelivery).where(AlertDelivery.id == delivery_id).values(**values, updated_at=self._clock())
            )

    def list(self, flow_id: str, *, limit: int = 100) -> list[dict[str, Any]]:
        """The flow's deliveries, newest first, as ``GET /flows/{id}/alerts`` shows them."""
        query = (
            select(AlertDelivery)
            .where(AlertDelivery.flow_id == flow_id)
            .order_by(AlertDelivery.created_at.desc())
            .limit(limit)
        )
        with self._db.reading() as session:
            return [_delivery(row) for row in session.scalars(query)]


def _delivery(row: AlertDelivery) -> dict[str, Any]:
    return {
        "id": row.id, "flowId": row.flow_id, "runId": row.run_id, "eventCode": row.event, "url": row.url,
        "status": row.status, "attempts": row.attempts, "responseStatus": row.response_status, "error": row.error,
        "createdAt": int(row.created_at.timestamp() * 1000), "updatedAt": int(row.updated_at.timestamp() * 1000),
        "payload": row.payload,
    }  # fmt: skip


class AlertSender:
    """Delivers alerts: signs, POSTs, retries with backoff (``backoff * 4**n`` seconds), records the outcome."""

    def __init__(
        self,
        deliveries: AlertDeliveryRepository,
        secret: bytes,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        now: Callable[[], float] = time.time,
        attempts: int = 4,
        backoff: float = 0.5,
        timeout: float = 10.0,
    ) -> None:
        self._deliveries = deliveries
        self._secret = secret
        self._transport = transport
        self._sleep = sleep
        self._now = now
        self._attempts = attempts
        self._backoff = backoff
        self._timeout = timeout

    async def send(
        self, flow_id: str, subscription: AlertSubscription, event: str, run: Mapping[str, Any], org_id: str
    ) -> str | None:
        """Deliver ``event`` for ``run`` if the subscription wants it; returns the delivery id."""
        if event not in subscription.events:
            return None
        payload = alert_payload(run, org_id, event)
        run_id = str(run.get("id")) if run.get("id") else None
        delivery_id = await asyncio.to_thread(
            self._deliveries.create, flow_id, run_id, event, subscription.url, payload
        )
        body = orjson.dumps(payload)
        status, response, error, attempt = "failed", None, None, 0
        async with httpx.AsyncClient(transport=self._transport, timeout=self._timeout) as client:
            for attempt in range(1, self._attempts + 1):
                response, error = await self._post(client, subscription.url, body, event, delivery_id)
                if response is not None and 200 <= response < 300:
                    status = "delivered"
                    break
                if response is not None and response not in RETRYABLE_STATUSES:
                    break
                if attempt < self._attempts:
                    await self._sleep(self._backoff * 4 ** (attempt - 1))
        await asyncio.to_thread(
            lambda: self._deliveries.record(
                delivery_id, status=status, attempts=attempt, response=response, error=error
            )
        )
        return delivery_id

    async def _post(
        self, client: httpx.AsyncClient, url: str, body: bytes, event: str, delivery_id: str
    ) -> tuple[int | None, str | None]:
        headers = {
            "content-type": "application/json",
            SIGNATURE_HEADER: sign(self._secret, int(self._now()), body),
            "x-stripeflow-event": event,
            "x-stripeflow-delivery": delivery_id,
        }
        try:
            answer = await client.post(url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            return None, f"{type(exc).__name__}: {exc}"
        error = None if answer.is_success else f"HTTP {answer.status_code}: {answer.text[:200]}"
        return answer.status_code, error

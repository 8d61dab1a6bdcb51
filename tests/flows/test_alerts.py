"""Run alerts: delivered to a webhook on a loopback port, signed, retried, recorded."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import orjson
import pytest

from stripeflow.flows.alerts import (
    RUN_FAILURE,
    RUN_START,
    RUN_SUCCESS,
    SIGNATURE_HEADER,
    AlertDeliveryRepository,
    AlertSender,
    AlertSubscription,
    parse_alerts,
    sign,
    signing_secret,
    verify,
)
from stripeflow.flows.entities import EntityRepository
from stripeflow.settings import Settings
from stripeflow.store.database import Database
from tests.flows.conftest import ORG, START, FakeClock, make_flow
from tests.support.webhooks import Receiver, receiver

__all__ = ["receiver"]  # the fixture

SECRET = b"whsec_test"


async def no_sleep(seconds: float) -> None:
    return None


RUN = {"id": "run-1", "flowId": "flow-1", "metrics": {"statusSummary": {"status": "success", "errors": []}}}


def sender(db: Database, clock: FakeClock, **options: Any) -> AlertSender:
    return AlertSender(AlertDeliveryRepository(db, clock), SECRET, sleep=no_sleep, **options)


def test_an_alert_is_posted_signed_and_recorded(
    receiver: Receiver, entities: EntityRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, {"startTime": START, "frequency": "once"})
    subscription = AlertSubscription(receiver.url)
    delivery = asyncio.run(sender(db, clock).send(flow.id, subscription, RUN_SUCCESS, RUN, ORG))
    assert delivery is not None
    [(headers, body)] = receiver.received
    assert verify(SECRET, headers[SIGNATURE_HEADER], body, now=int(time.time()))
    assert not verify(b"another secret", headers[SIGNATURE_HEADER], body, now=int(time.time()))
    payload = orjson.loads(body)
    assert payload["id"] == "run-1"
    assert payload["metrics"] == RUN["metrics"]
    assert payload["_adobeio"] == {
        "imsOrgId": ORG,
        "providerMetadata": "platform_notifications",
        "eventCode": RUN_SUCCESS,
    }
    assert headers["x-stripeflow-event"] == RUN_SUCCESS
    [recorded] = AlertDeliveryRepository(db, clock).list(flow.id)
    assert recorded["status"] == "delivered"
    assert recorded["attempts"] == 1
    assert recorded["responseStatus"] == 200


def test_failed_deliveries_are_retried_with_backoff(
    receiver: Receiver, entities: EntityRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, {"startTime": START, "frequency": "once"})
    receiver.statuses = [503, 500]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    alerts = AlertSender(AlertDeliveryRepository(db, clock), SECRET, sleep=sleep, backoff=0.5)
    asyncio.run(alerts.send(flow.id, AlertSubscription(receiver.url), RUN_FAILURE, RUN, ORG))
    assert len(receiver.received) == 3
    assert waits == [0.5, 2.0]
    [recorded] = AlertDeliveryRepository(db, clock).list(flow.id)
    assert recorded["status"] == "delivered"
    assert recorded["attempts"] == 3


def test_a_refusing_or_unreachable_receiver_is_recorded_as_failed(
    receiver: Receiver, entities: EntityRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, {"startTime": START, "frequency": "once"})
    receiver.statuses = [400]
    asyncio.run(sender(db, clock).send(flow.id, AlertSubscription(receiver.url), RUN_START, RUN, ORG))
    assert len(receiver.received) == 1  # a 4xx is not retried
    asyncio.run(
        sender(db, clock, attempts=2).send(flow.id, AlertSubscription("http://127.0.0.1:9/x"), RUN_START, RUN, ORG)
    )
    unreachable, refused = AlertDeliveryRepository(db, clock).list(flow.id)
    assert refused["status"] == "failed"
    assert refused["responseStatus"] == 400
    assert unreachable["status"] == "failed"
    assert unreachable["attempts"] == 2
    assert "ConnectError" in unreachable["error"]


def test_events_the_flow_did_not_subscribe_to_are_not_sent(
    receiver: Receiver, entities: EntityRepository, db: Database, clock: FakeClock
) -> None:
    flow = make_flow(entities, {"startTime": START, "frequency": "once"})
    subscription = AlertSubscription(receiver.url, (RUN_FAILURE,))
    assert asyncio.run(sender(db, clock).send(flow.id, subscription, RUN_SUCCESS, RUN, ORG)) is None
    assert receiver.received == []


def test_signature_format_and_tolerance() -> None:
    header = sign(SECRET, 1_700_000_000, b"{}")
    assert header.startswith("t=1700000000,v1=")
    assert len(header.split("v1=")[1]) == 64
    assert verify(SECRET, header, b"{}", now=1_700_000_100)
    assert not verify(SECRET, header, b"{}", now=1_700_001_000)
    assert not verify(SECRET, header, b"{ }", now=1_700_000_000)
    assert not verify(SECRET, "garbage", b"{}", now=1_700_000_000)


def test_the_signing_secret_is_configured_or_generated_once(tmp_path: Path) -> None:
    assert signing_secret(Settings(data_dir=tmp_path, alert_signing_secret="s3cret")) == b"s3cret"  # type: ignore[arg-type]
    generated = signing_secret(Settings(data_dir=tmp_path))
    assert generated.startswith(b"whsec_")
    assert signing_secret(Settings(data_dir=tmp_path)) == generated
    assert (tmp_path / "alert-signing-secret").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("https://x", "must be an object"),
        ({"url": "ftp://x"}, "http(s) URL"),
        ({"url": "https://x", "events": ["sources_flow_run_done"]}, "events"),
        ({"url": "https://x", "events": []}, "events"),
        ({"url": "https://x", "secret": "s"}, "unknown fields"),
    ],
)
def test_alert_subscriptions_are_validated(value: object, problem: str) -> None:
    with pytest.raises(ValueError, match=problem.replace("(", r"\(").replace(")", r"\)")):
        parse_alerts(value)


def test_events_default_to_all_three() -> None:
    assert parse_alerts({"url": "https://hooks.example.com/x"}) == AlertSubscription(
        "https://hooks.example.com/x", (RUN_START, RUN_SUCCESS, RUN_FAILURE)
    )

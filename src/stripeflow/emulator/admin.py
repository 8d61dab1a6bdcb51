"""The admin API under ``/_emulator`` (not part of Stripe's): change data, move the clock, read the counters.

- ``GET /_emulator/health`` and ``GET /_emulator/info``
- ``GET /_emulator/stats``, ``POST /_emulator/stats/reset``
- ``POST /_emulator/clock`` ``{"advance_seconds": N}``
- ``POST /_emulator/faults`` ``{"fail_rate": 0, "rate_limit": 0, …}``: change faults, limits, latency at run time
- ``POST /_emulator/mutate`` ``{"create": {...}, "update": {...}, "cancel": {...}, "delete": {...},
  "mode": "test", "account": "acct_…"}``
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import orjson

from stripeflow.emulator import mutate
from stripeflow.emulator.api_errors import ApiError, bad_request, unrecognized_url
from stripeflow.emulator.service import EmulatorService, Response


def handle(service: EmulatorService, method: str, path: str, body: bytes) -> Response:
    request_id = service.request_id()
    try:
        answer = _dispatch(service, method, path, body, request_id)
        headers = {"Request-Id": request_id, "Date": service.clock.http_date()}
        return Response(200, orjson.dumps(answer), headers)
    except ApiError as error:
        headers = {"Request-Id": request_id, "Date": service.clock.http_date()}
        return Response(error.status, error.body(request_id, False), headers)


def _dispatch(service: EmulatorService, method: str, path: str, body: bytes, request_id: str) -> Any:
    route = (method, path.rstrip("/"))
    if route == ("GET", "/_emulator/health"):
        return {"status": "ok", "now": service.clock.now()}
    if route == ("GET", "/_emulator/info"):
        return service.info()
    if route == ("GET", "/_emulator/stats"):
        return {**service.stats.snapshot(), "webhooks": asdict(service.webhooks.counts)}
    if route == ("POST", "/_emulator/stats/reset"):
        service.stats.reset()
        return service.stats.snapshot()
    if route == ("POST", "/_emulator/clock"):
        return _advance(service, _json(body))
    if route == ("POST", "/_emulator/faults"):
        return service.set_faults(_fault_changes(_json(body)))
    if route == ("POST", "/_emulator/mutate"):
        return _mutate(service, _json(body), request_id)
    raise unrecognized_url(method, path)


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body or b"{}")
    except orjson.JSONDecodeError as exc:
        raise bad_request(f"The body is not valid JSON: {exc}") from None


SHARES = ("fail_rate", "lock_timeout_rate", "malformed_rate", "conflict_rate")
RATES = ("rate_limit", "endpoint_rate_limit", "latency_ms")


def _fault_changes(body: Any) -> dict[str, float]:
    if not isinstance(body, dict) or not set(body) <= {*SHARES, *RATES}:
        raise bad_request(f"Send a JSON object with some of {', '.join((*SHARES, *RATES))}.")
    for name, value in body.items():
        top = 1.0 if name in SHARES else float("inf")
        if not isinstance(value, int | float) or isinstance(value, bool) or not 0 <= value <= top:
            raise bad_request(f"{name} must be a number from 0 to {top}.")
    return {name: float(value) for name, value in body.items()}


def _advance(service: EmulatorService, body: Any) -> dict[str, Any]:
    seconds = body.get("advance_seconds") if isinstance(body, dict) else None
    if not isinstance(seconds, int) or isinstance(seconds, bool) or seconds < 0:
        raise bad_request('Send {"advance_seconds": N} with N a whole number of seconds, 0 or more.')
    now = service.clock.advance(seconds)
    settled = {
        f"{account}:{mode}": service.datasets.get(account, mode).settle(now)
        for account, mode in service.datasets.built()
    }
    return {"now": now, "settled_balance_transactions": settled}


def _mutate(service: EmulatorService, body: Any, request_id: str) -> dict[str, Any]:
    changes = mutate.parse_changes(body)
    mode = body.get("mode", "test")
    if mode not in ("test", "live"):
        raise bad_request("'mode' must be test or live.")
    account = body.get("account") or service.platform
    if not isinstance(account, str) or not service.keys.knows_account(account):
        raise bad_request(f"Unknown account {account!r}; use the platform account or a configured connected one.")
    data = service.datasets.get(account, mode)
    data.settle(service.clock.now())
    answer = mutate.apply(data, changes, service.clock.now(), request_id)
    service.webhooks.queue(data, answer["events"])
    return {"mode": mode, "account": account, **answer}

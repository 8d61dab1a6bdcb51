"""The emulator's request handling, independent of the HTTP server: a request in, a :class:`Response` out.

A /v1 request goes through, in order: authentication, routing, the ``Stripe-Account`` header, the rate limits,
the key's permissions, fault injection, and the handler. Every answer gets a ``Request-Id``; every error is
Stripe's ``{"error": {...}}`` body with the matching status.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from stripeflow.emulator.api_errors import ApiError
from stripeflow.emulator.auth import Caller, KeyRing
from stripeflow.emulator.clock import Clock, EmulatorClock
from stripeflow.emulator.config import EmulatorConfig
from stripeflow.emulator.faults import Fault, FaultInjector, malformed
from stripeflow.emulator.ids import account_id, random_chars
from stripeflow.emulator.oauth import ConnectOAuth
from stripeflow.emulator.params import parse_query
from stripeflow.emulator.ratelimit import RateLimiter
from stripeflow.emulator.registry import Datasets
from stripeflow.emulator.routes import Call, Route, Router
from stripeflow.emulator.stats import Stats
from stripeflow.emulator.webhooks import WebhookSender

RATE_LIMITED = (
    "Request rate limit exceeded. You can learn more about rate limits here https://stripe.com/docs/rate-limits."
)


@dataclass(frozen=True, slots=True)
class Response:
    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)


class EmulatorService:
    """One emulator: its clock, keys, data sets, limits, faults and counters."""

    def __init__(
        self,
        config: EmulatorConfig,
        clock: Clock,
        monotonic: Clock,
        webhook_transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.config = config
        self.clock = EmulatorClock(clock, config.anchor)
        self.platform = config.account_id or account_id(config.seed)
        self.keys = KeyRing(config, self.platform)
        self.datasets = Datasets(config, self.platform, self.clock.anchor)
        self.limits = {"rate_limit": config.rate_limit, "endpoint_rate_limit": config.endpoint_rate_limit}
        self.limiter = RateLimiter(
            config.global_rate_for, config.endpoint_rate_limit, monotonic, {"search": config.search_rate_limit}
        )
        self.faults = FaultInjector(config)
        self.stats = Stats()
        self.router = Router()
        self._request_ids = random.Random(f"requests:{config.seed}")
        derived = f"acct_1{random_chars(random.Random(f'oauth:{config.seed}'), 15)}"
        oauth_account = config.connected_accounts[0] if config.connected_accounts else derived
        self.oauth = ConnectOAuth(self.keys, config.oauth_client_id, oauth_account, config.seed)
        self.webhooks = WebhookSender(config.webhook_endpoints, self.clock.now, webhook_transport)
        self.latency_ms = config.latency_ms
        self.datasets.warm(self.platform, "test")

    def request_id(self) -> str:
        return f"req_{random_chars(self._request_ids, 14)}"

    def api(self, method: str, path: str, query: str, headers: Mapping[str, str]) -> Response:
        """Answer one /v1 request."""
        request_id = self.request_id()
        common = {
            "Request-Id": request_id,
            "Stripe-Version": headers.get("stripe-version", self.config.api_version),
            "Date": self.clock.http_date(),
        }
        reason, livemode = None, False
        matched = self.router.find(method, path)
        endpoint = matched[0].name if isinstance(matched, tuple) else f"{method} <unrecognized>"
        try:
            caller = self.keys.authenticate(headers)  # a 401 comes before a 404, as on Stripe
            livemode = caller.livemode
            if isinstance(matched, ApiError):
                raise matched
            body = self._serve(caller, *matched, query, headers)
            status, extra = 200, {}
        except ApiError as error:
            status, body, extra = error.status, error.body(request_id, livemode), dict(error.headers)
            reason = extra.get("Stripe-Rate-Limited-Reason") or (error.code if status == 429 else None)
        self.stats.record(endpoint, status, reason=reason)
        return Response(status, body, {**common, **extra})

    def _serve(
        self, caller: Caller, route: Route, args: tuple[str, ...], query: str, headers: Mapping[str, str]
    ) -> bytes:
        account = self.keys.account_for(caller, headers.get("stripe-account"))
        reason = self.limiter.check(account, caller.mode, route.name, route.group)
        if reason is not None:
            raise ApiError(429, RATE_LIMITED, code="rate_limit", headers={"Stripe-Rate-Limited-Reason": reason})
        self.keys.authorize(caller, route.permission, account)
        fault = self.faults.draw(route.is_list)
        if fault in (Fault.API_ERROR, Fault.LOCK_TIMEOUT, Fault.CONFLICT):
            raise self.faults.error(fault)
        data = self.datasets.get(account, caller.mode)
        now = self.clock.now()
        data.settle(now)
        call = Call(
            data,
            parse_query(query),
            args,
            now,
            lambda wanted: self._account(caller, wanted),
            self.config.search_delay_seconds,
        )
        answer = route.handler(call)
        self.stats.served(answer.count, page=answer.is_page)
        if fault is not None:
            self.stats.malformed += 1
            return malformed(fault, answer.body, "/" + "/".join(route.template))
        return answer.body

    def _account(self, caller: Caller, wanted: str) -> bytes:
        """``/v1/accounts/{id}``: the platform or one of its connected accounts (as ``Stripe-Account`` would)."""
        account = self.keys.account_for(caller, wanted)
        return orjson.dumps(self.datasets.get(account, caller.mode).account)

    def set_faults(self, changes: Mapping[str, float]) -> dict[str, float]:
        """Change latency, limits and fault shares at run time; answers the settings now in force."""
        self.faults.set_rates(dict(changes))
        self.latency_ms = changes.get("latency_ms", self.latency_ms)
        if "rate_limit" in changes or "endpoint_rate_limit" in changes:
            rate = changes.get("rate_limit")
            self.limiter.set_rates(None if rate is None else (lambda mode: rate), changes.get("endpoint_rate_limit"))
            self.limits = {**self.limits, **{k: v for k, v in changes.items() if k.endswith("rate_limit")}}
        return {**self.faults.rates(), **self.limits, "latency_ms": self.latency_ms}

    def info(self) -> dict[str, Any]:
        """What clients of the emulator may need to know: accounts, keys, counts, the clock."""
        config = self.config
        return {
            "account": self.platform,
            "connected_accounts": list(config.connected_accounts),
            "secret_keys": list(config.secret_keys),
            "restricted_keys": {key: sorted(perms) for key, perms in config.restricted_keys.items()},
            "expired_keys": list(config.expired_keys),
            "objects": dict(config.objects),
            "seed": config.seed,
            "anchor": self.clock.anchor,
            "now": self.clock.now(),
            "data_sets": [f"{account}:{mode}" for account, mode in self.datasets.built()],
            "oauth": {"client_id": config.oauth_client_id, "account": self.oauth.account},
            "webhook_endpoints": list(config.webhook_endpoints),
        }

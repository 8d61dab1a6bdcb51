"""The emulator's configuration: one frozen value, built by the CLI (or a test) and passed down.

It round-trips through JSON (:meth:`EmulatorConfig.to_json` / :meth:`EmulatorConfig.from_json`) so that
:func:`stripeflow.emulator.server.start_emulator` can hand the exact same configuration to a child process.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from types import MappingProxyType
from typing import Any

from stripeflow.settings import DEFAULT_STRIPE_VERSION
from stripeflow.stripe.resources import RESOURCES

#: The six resources whose object counts ``--objects`` sets, in table order.
RESOURCE_NAMES: tuple[str, ...] = tuple(RESOURCES)
DEFAULT_OBJECT_COUNT = 1000
MAX_OBJECT_COUNT = 5_000_000

#: Every permission a restricted key can hold for the endpoints the emulator serves.
READ_PERMISSIONS: frozenset[str] = frozenset(
    {spec.permission for spec in RESOURCES.values()}
    | {"rak_event_read", "rak_account_read", "rak_balance_read", "rak_test_clock_read", "rak_product_read"}
)


def _counts(value: int) -> Mapping[str, int]:
    return MappingProxyType(dict.fromkeys(RESOURCE_NAMES, value))


def parse_objects(text: str) -> Mapping[str, int]:
    """Parse the ``--objects`` option: ``"1000"``, ``"charges=5000,customers=200"`` or ``"500,charges=5000"``.

    A bare number sets every resource; ``name=count`` entries override it; resources not named keep
    :data:`DEFAULT_OBJECT_COUNT` (or the bare number). Raises ``ValueError`` saying what is wrong and what is valid.
    """
    counts = dict.fromkeys(RESOURCE_NAMES, DEFAULT_OBJECT_COUNT)
    entries = [entry.strip() for entry in text.split(",") if entry.strip()]
    if not entries:
        raise ValueError("expected a count such as 1000 or name=count pairs such as charges=5000,customers=200")
    overrides: dict[str, int] = {}
    for entry in entries:
        name, sep, raw = entry.partition("=")
        if not sep:
            counts = dict.fromkeys(RESOURCE_NAMES, _count(entry, "every resource"))
            continue
        name = name.strip()
        if name not in RESOURCE_NAMES:
            raise ValueError(f"unknown resource {name!r}; valid resources are {', '.join(RESOURCE_NAMES)}")
        overrides[name] = _count(raw.strip(), name)
    counts.update(overrides)
    return MappingProxyType(counts)


def _count(raw: str, what: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValueError(f"the count for {what} must be a whole number, got {raw!r}") from None
    if not 0 <= value <= MAX_OBJECT_COUNT:
        raise ValueError(f"the count for {what} must be between 0 and {MAX_OBJECT_COUNT}, got {value}")
    return value


@dataclass(frozen=True)
class EmulatorConfig:
    """Everything that shapes the emulator's data and behaviour; see ``docs/emulator.md``.

    Rates are requests per second (``0`` disables a limit); shares (``fail_rate`` …) are between 0 and 1.
    """

    seed: int = 42
    objects: Mapping[str, int] = field(default_factory=lambda: _counts(DEFAULT_OBJECT_COUNT))
    #: Counts for the live-mode account; ``None``: the same as ``objects``. Built on the first live request.
    live_objects: Mapping[str, int] | None = None
    #: The time generated data is relative to (unix seconds); ``None``: the clock's time at start-up.
    anchor: int | None = None
    latency_ms: float = 0.0
    rate_limit: float = 25.0
    #: The global limit for live-mode keys; ``None``: the same as ``rate_limit``.
    live_rate_limit: float | None = None
    endpoint_rate_limit: float = 25.0
    fail_rate: float = 0.0
    #: Make the injected 500s carry ``Stripe-Should-Retry: false``.
    fail_should_retry_false: bool = False
    #: Share of /v1 requests answered 429 ``lock_timeout`` with ``Stripe-Should-Retry: true``.
    lock_timeout_rate: float = 0.0
    #: Share of list pages answered 200 with a malformed body (half invalid JSON, half without ``data``).
    malformed_rate: float = 0.0
    #: Share of /v1 requests answered 409 ``idempotency_key_in_use`` (for testing retries of conflicts).
    conflict_rate: float = 0.0
    #: Search sees objects only this many seconds after they were created (Stripe's search lags behind writes).
    search_delay_seconds: int = 0
    #: Requests per second for all search endpoints of one account and mode together (0: no limit).
    search_rate_limit: float = 20.0
    secret_keys: tuple[str, ...] = ("sk_test_emulator", "sk_live_emulator")
    #: Restricted key -> the permissions it holds (``rak_charge_read`` …).
    restricted_keys: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: MappingProxyType({"rk_test_emulator_readonly": READ_PERMISSIONS})
    )
    expired_keys: tuple[str, ...] = ("sk_test_emulator_expired",)
    #: The platform account id; ``None``: derived from the seed.
    account_id: str | None = None
    #: Connected accounts reachable with ``Stripe-Account``; each gets its own small data set.
    connected_accounts: tuple[str, ...] = ()
    connected_objects: Mapping[str, int] = field(default_factory=lambda: _counts(50))
    api_version: str = DEFAULT_STRIPE_VERSION
    #: Generate the start-up data set with a forked worker process: ``None`` decides by size and CPU count.
    parallel_build: bool | None = None
    #: The platform's Connect client id, for /oauth/authorize and /oauth/deauthorize.
    oauth_client_id: str = "ca_emulator"
    #: Webhook endpoints (URL -> signing secret ``whsec_…``) that events made by changes are sent to.
    webhook_endpoints: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def __post_init__(self) -> None:
        for name in ("objects", "connected_objects"):
            object.__setattr__(self, name, _checked_counts(getattr(self, name), name))
        if self.live_objects is not None:
            object.__setattr__(self, "live_objects", _checked_counts(self.live_objects, "live_objects"))
        restricted = {key: frozenset(perms) for key, perms in self.restricted_keys.items()}
        object.__setattr__(self, "restricted_keys", MappingProxyType(restricted))
        object.__setattr__(self, "webhook_endpoints", MappingProxyType(dict(self.webhook_endpoints)))
        for name in ("secret_keys", "expired_keys", "connected_accounts"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        self._validate()

    def _validate(self) -> None:
        for name in ("latency_ms", "rate_limit", "endpoint_rate_limit", "search_delay_seconds", "search_rate_limit"):
            if getattr(self, name) < 0:
                raise ValueError(f"{name} must be 0 or more, got {getattr(self, name)}")
        if self.live_rate_limit is not None and self.live_rate_limit < 0:
            raise ValueError(f"live_rate_limit must be 0 or more, got {self.live_rate_limit}")
        for name in ("fail_rate", "lock_timeout_rate", "malformed_rate", "conflict_rate"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ValueError(f"{name} must be between 0 and 1 (a share of requests), got {getattr(self, name)}")
        for key in (*self.secret_keys, *self.restricted_keys, *self.expired_keys):
            if not key.startswith(("sk_test_", "sk_live_", "rk_test_", "rk_live_")):
                raise ValueError(f"API key {key!r} must start with sk_test_, sk_live_, rk_test_ or rk_live_")
        for account in self.connected_accounts:
            if not account.startswith("acct_"):
                raise ValueError(f"connected account {account!r} must start with acct_")
        for url in self.webhook_endpoints:
            if not url.startswith(("http://", "https://")):
                raise ValueError(f"webhook endpoint {url!r} must be an http(s) URL")

    def counts_for(self, mode: str, connected: bool) -> Mapping[str, int]:
        """Object counts of the data set of one account and mode."""
        if connected:
            return self.connected_objects
        if mode == "live" and self.live_objects is not None:
            return self.live_objects
        return self.objects

    def global_rate_for(self, mode: str) -> float:
        if mode == "live" and self.live_rate_limit is not None:
            return self.live_rate_limit
        return self.rate_limit

    def to_json(self) -> str:
        data: dict[str, Any] = {item.name: getattr(self, item.name) for item in fields(self)}
        for name in ("objects", "connected_objects", "live_objects"):
            if data[name] is not None:
                data[name] = dict(data[name])
        data["restricted_keys"] = {key: sorted(perms) for key, perms in self.restricted_keys.items()}
        data["webhook_endpoints"] = dict(self.webhook_endpoints)
        return json.dumps(data, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> EmulatorConfig:
        data = json.loads(text)
        for name in ("secret_keys", "expired_keys", "connected_accounts"):
            data[name] = tuple(data[name])
        data["restricted_keys"] = {key: frozenset(perms) for key, perms in data["restricted_keys"].items()}
        return cls(**data)


def _checked_counts(counts: Mapping[str, int], name: str) -> Mapping[str, int]:
    unknown = sorted(set(counts) - set(RESOURCE_NAMES))
    if unknown:
        raise ValueError(f"{name}: unknown resource(s) {', '.join(unknown)}; valid: {', '.join(RESOURCE_NAMES)}")
    full = dict.fromkeys(RESOURCE_NAMES, DEFAULT_OBJECT_COUNT)
    for resource, count in counts.items():
        full[resource] = _count(str(count), f"{resource} in {name}")
    return MappingProxyType(full)

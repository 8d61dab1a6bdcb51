"""The ``stripeflow emulator`` command: run the local Stripe-compatible server."""

from __future__ import annotations

from typing import Annotated

import typer

from stripeflow.emulator.config import READ_PERMISSIONS, RESOURCE_NAMES, EmulatorConfig, parse_objects

HELP = (
    "Run a local Stripe-compatible API server (charges, subscriptions, refunds, balance transactions, customers, "
    "prices, events) with seeded data, rate limits and injected faults. Keys: sk_test_emulator, sk_live_emulator."
)


def _objects(value: str) -> str:
    try:
        parse_objects(value)
    except ValueError as exc:
        raise typer.BadParameter(f"{exc} (e.g. 1000 or charges=5000,customers=200)") from None
    return value


def _restricted(values: list[str]) -> dict[str, frozenset[str]]:
    keys = {}
    for value in values:
        key, sep, perms = value.partition("=")
        permissions = frozenset(p.strip() for p in perms.split(",") if p.strip())
        unknown = sorted(permissions - READ_PERMISSIONS - {p.replace("_read", "_write") for p in READ_PERMISSIONS})
        if not sep or not key.startswith(("rk_test_", "rk_live_")) or unknown:
            raise typer.BadParameter(
                f"expected rk_test_…=perm,perm with permissions among {', '.join(sorted(READ_PERMISSIONS))}; "
                f"got {value!r}",
                param_hint="--restricted-key",
            )
        keys[key] = permissions
    return keys


def _webhooks(values: list[str]) -> dict[str, str]:
    endpoints = {}
    for value in values:
        url, sep, secret = value.rpartition("=")
        if not sep or not url.startswith(("http://", "https://")) or not secret:
            raise typer.BadParameter(f"expected URL=whsec_secret, got {value!r}", param_hint="--webhook")
        endpoints[url] = secret
    return endpoints


def emulator(
    port: Annotated[int, typer.Option(min=0, max=65535, help="Port to listen on; 0 picks a free one.")] = 12111,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    objects: Annotated[
        str,
        typer.Option(
            callback=_objects,
            help=f"Objects per resource: a count for all ({', '.join(RESOURCE_NAMES)}) and/or name=count pairs, "
            "e.g. 1000 or charges=5000,customers=200.",
        ),
    ] = "1000",
    seed: Annotated[int, typer.Option(help="Seed of the generated data and of the injected faults.")] = 42,
    anchor: Annotated[
        int | None, typer.Option(help="Unix time the data is generated relative to (default: now).")
    ] = None,
    latency_ms: Annotated[float, typer.Option(min=0, help="Delay added to every /v1 answer, in ms.")] = 0.0,
    rate_limit: Annotated[
        float, typer.Option(min=0, help="Requests per second per account and mode (0: no limit).")
    ] = 25.0,
    endpoint_rate_limit: Annotated[
        float, typer.Option(min=0, help="Requests per second per endpoint (0: no limit).")
    ] = 25.0,
    fail_rate: Annotated[
        float, typer.Option(min=0, max=1, help="Share of /v1 requests answered 500 api_error, e.g. 0.05.")
    ] = 0.0,
    restricted_key: Annotated[
        list[str] | None,
        typer.Option(help="A restricted key and its permissions, e.g. rk_test_abc=rak_charge_read (repeatable)."),
    ] = None,
    expired_key: Annotated[list[str] | None, typer.Option(help="A key answered 401 api_key_expired.")] = None,
    connected_account: Annotated[
        list[str] | None, typer.Option(help="A connected account id reachable with Stripe-Account (repeatable).")
    ] = None,
    webhook: Annotated[
        list[str] | None,
        typer.Option(help="Send the events of changes to URL=whsec_secret, signed like Stripe (repeatable)."),
    ] = None,
    config_json: Annotated[str | None, typer.Option(hidden=True, help="A whole EmulatorConfig as JSON.")] = None,
) -> None:
    """Run the emulator until interrupted."""
    from stripeflow.emulator.server import serve

    if config_json is not None:
        config = EmulatorConfig.from_json(config_json)
    else:
        defaults = EmulatorConfig()
        try:
            config = EmulatorConfig(
                seed=seed, objects=parse_objects(objects), anchor=anchor, latency_ms=latency_ms,
                rate_limit=rate_limit, endpoint_rate_limit=endpoint_rate_limit, fail_rate=fail_rate,
                restricted_keys={**defaults.restricted_keys, **_restricted(restricted_key or [])},
                expired_keys=(*defaults.expired_keys, *(expired_key or [])),
                connected_accounts=tuple(connected_account or ()),
                webhook_endpoints=_webhooks(webhook or []),
            )  # fmt: skip
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None
    serve(config, host=host, port=port)


def register(app: typer.Typer) -> None:
    """Add the ``emulator`` command to the stripeflow CLI."""
    app.command("emulator", help=HELP)(emulator)

"""Request dependencies: the header checks every Platform call passes, and the services of its org and sandbox."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Header, Request

from stripeflow.platform import DEFAULT_SANDBOX, Platform
from stripeflow.server.auth import TokenCheck
from stripeflow.server.problems import GatewayError, bad_request
from stripeflow.settings import Settings
from stripeflow.store import MetadataStore

#: Organization ids as the Experience Platform issues them (``<id>@AdobeOrg``).
ORG_ID = re.compile(r"[A-Za-z0-9_-]{1,64}@AdobeOrg\Z")
SANDBOX_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,63}\Z")


@dataclass(frozen=True)
class CallContext:
    """Who calls, for which organization and sandbox."""

    org_id: str
    sandbox_name: str
    client_id: str
    user: str = "bootstrap"


def app_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def app_store(request: Request) -> MetadataStore:
    store: MetadataStore = request.app.state.store
    return store


def call_context(
    request: Request,
    authorization: Annotated[str | None, Header(description="`Bearer {ACCESS_TOKEN}`")] = None,
    x_api_key: Annotated[str | None, Header(description="Your client id")] = None,
    x_gw_ims_org_id: Annotated[str | None, Header(description="Organization id, `<id>@AdobeOrg`")] = None,
    x_sandbox_name: Annotated[str | None, Header(description="Sandbox name; default `prod`")] = None,
) -> CallContext:
    """The documented header checks, in the gateway's order, with its error codes and bodies."""
    check: TokenCheck = request.app.state.token_check
    settings = app_settings(request)
    if not authorization:
        raise GatewayError(403, "403010", "Oauth token is missing.", "send `Authorization: Bearer <token>`")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not check.accepts(token.strip()):
        raise GatewayError(401, "401013", "Oauth token is not valid", "the bearer token is not this server's API token")
    if not x_api_key:
        raise GatewayError(403, "403000", "Api Key is required", "send your client id in the `x-api-key` header")
    allowed = [key.strip() for key in (settings.api_keys or "").split(",") if key.strip()]
    if allowed and x_api_key not in allowed:
        raise GatewayError(403, "403003", "Api Key is invalid", "this `x-api-key` is not an accepted client id")
    if not x_gw_ims_org_id:
        raise GatewayError(
            400, "400003", "Missing header", "send `x-gw-ims-org-id: <org id>@AdobeOrg`, e.g. stripeflow@AdobeOrg"
        )
    if not ORG_ID.match(x_gw_ims_org_id):
        raise GatewayError(
            403, "403027", "User region is missing", f"{x_gw_ims_org_id!r} is not an organization id (<id>@AdobeOrg)"
        )
    sandbox = x_sandbox_name or DEFAULT_SANDBOX
    if not SANDBOX_NAME.match(sandbox):
        raise bad_request(
            f"x-sandbox-name {sandbox!r} is not a sandbox name: lower-case letters, digits and dashes, e.g. prod",
            code="400004",
        )
    return CallContext(org_id=x_gw_ims_org_id, sandbox_name=sandbox, client_id=x_api_key)


Context = Annotated[CallContext, Depends(call_context)]


def platform(request: Request, context: Context) -> Platform:
    """The registry, catalog and mapping sets of the caller's organization and sandbox."""
    return Platform(
        app_settings(request),
        app_store(request),
        org_id=context.org_id,
        sandbox_name=context.sandbox_name,
        clock=request.app.state.clock,
    )


PlatformDep = Annotated[Platform, Depends(platform)]
SettingsDep = Annotated[Settings, Depends(app_settings)]
StoreDep = Annotated[MetadataStore, Depends(app_store)]


def require_json_body(request: Request) -> None:
    """Requests with a body (POST, PUT, PATCH) must say it is JSON (``application/json`` or a ``+json`` type)."""
    if request.method not in ("POST", "PUT", "PATCH"):
        return
    if request.headers.get("content-length") in (None, "0") and "transfer-encoding" not in request.headers:
        return
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json" and not content_type.endswith("+json"):
        raise bad_request("A valid content-type must be specified", code="400005")

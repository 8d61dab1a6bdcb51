"""What the Flow Service routers share: the entity repository of the caller's scope, the secret box, the Stripe
probe, ``property=`` filters and the ``{id, etag}`` / ``{"items": [...]}`` answers."""

from __future__ import annotations

import threading
from typing import Annotated, Any, Final

from fastapi import Depends, Header, Query, Request

from stripeflow.access.secrets import SecretBox
from stripeflow.flows.entities import EntityRecord, EntityRepository, PropertyFilter, parse_property_filters
from stripeflow.flows.stripe_probe import StripeProbe
from stripeflow.server.deps import Context, SettingsDep, StoreDep
from stripeflow.server.problems import bad_request
from stripeflow.server.routers.schemaregistry_models import COMMON_RESPONSES, problem
from stripeflow.store.database import Database

_BOX_LOCK = threading.Lock()

#: What every Flow Service operation may answer besides its own codes (400, 401, 403 and a 500's problem).
FLOW_RESPONSES: dict[int | str, dict[str, Any]] = dict(COMMON_RESPONSES)
_PROBLEMS: Final = {
    404: problem("No such entity in this organization and sandbox"),
    409: problem("Flows still use it (listed in `report.flows`); delete them first"),
    412: problem("`If-Match` is stale; the documented `errorMessage` is included. GET again and retry"),
    428: problem("`If-Match` is missing"),
    502: problem("Stripe did not answer (or answered unexpectedly)"),
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of an operation's own error codes."""
    return {code: _PROBLEMS[code] for code in codes}


Limit = Annotated[int, Query(ge=1, le=1000, description="Page size (at most 1000)")]
Start = Annotated[int, Query(ge=0, description="Offset of the first item; 0 is the first page")]
#: The etag of the version a change was made on (with or without its inner quotes); required by every PATCH.
IfMatch = Annotated[str | None, Header(alias="If-Match", description="The etag from GET or create")]


def entity_repository(request: Request, context: Context, store: StoreDep) -> EntityRepository:
    """Flow Service entities of the caller's organization and sandbox, recording the caller as the author."""
    return EntityRepository(
        Database(store.engine),
        request.app.state.clock,
        context.org_id,
        context.sandbox_name,
        user=context.user,
        client=context.client_id,
    )


def secret_box(request: Request, settings: SettingsDep) -> SecretBox:
    """The app's one :class:`SecretBox` (its key file is read, or created, on first use)."""
    with _BOX_LOCK:
        box: SecretBox | None = getattr(request.app.state, "secret_box", None)
        if box is None:
            box = request.app.state.secret_box = SecretBox.from_settings(settings)
    return box


def stripe_probe(request: Request, settings: SettingsDep) -> StripeProbe:
    """Calls to Stripe at ``STRIPEFLOW_STRIPE_API_BASE`` (``app.state.stripe_probe`` overrides it, for tests)."""
    probe: StripeProbe | None = getattr(request.app.state, "stripe_probe", None)
    return probe or StripeProbe(settings.stripe_api_base, settings.stripe_version)


def property_filters(
    property: Annotated[
        list[str] | None,
        Query(description='Filters such as `name=="x"`, `params.resourcePath==charges`, `createdAt>0`, `name~stripe`'),
    ] = None,
) -> list[PropertyFilter]:
    try:
        return parse_property_filters(property or [])
    except ValueError as exc:
        raise bad_request(str(exc)) from None


EntitiesDep = Annotated[EntityRepository, Depends(entity_repository)]
SecretBoxDep = Annotated[SecretBox, Depends(secret_box)]
ProbeDep = Annotated[StripeProbe, Depends(stripe_probe)]
FiltersDep = Annotated[list[PropertyFilter], Depends(property_filters)]


def created(record: EntityRecord) -> dict[str, str]:
    """The answer to a create or an update: ``{id, etag}``."""
    return {"id": record.id, "etag": record.etag}


def items(documents: list[dict[str, Any]]) -> dict[str, Any]:
    return {"items": documents}

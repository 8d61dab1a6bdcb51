"""Flow Service domain errors -> HTTP, consulted by :func:`stripeflow.server.errors.translate`.

Decisions (the Platform documents the messages, not all statuses): a missing ``If-Match`` is **428** Precondition
Required; a stale one is **412** with the documented ``errorMessage``; an entity still used by flows is **409**
with the flows in ``report.flows``; a Stripe that does not answer is **502**; Stripe refusing a key is **400**.
"""

from __future__ import annotations

from stripeflow.access.secrets import SecretDecryptionError
from stripeflow.flows.connections import ConnectionInUseError, ConnectionRequestError
from stripeflow.flows.entities import EntityNotFoundError, PreconditionRequiredError, StaleEtagError
from stripeflow.flows.explore import ExploreRequestError
from stripeflow.flows.flow_body import FlowValidationError
from stripeflow.flows.flows import FlowRuleError
from stripeflow.flows.on_demand import OnDemandError
from stripeflow.flows.runs import RunNotFoundError, RunStateError
from stripeflow.flows.stripe_probe import StripeUnavailableError, TokenRefusedError
from stripeflow.server.problems import ApiError, stale_etag

#: The Flow Service's error classes (each has a handler in the app; see ``errors.DOMAIN_ERRORS``).
FLOW_SERVICE_ERRORS: tuple[type[Exception], ...] = (
    EntityNotFoundError,
    StaleEtagError,
    PreconditionRequiredError,
    ConnectionInUseError,
    TokenRefusedError,
    ConnectionRequestError,
    ExploreRequestError,
    StripeUnavailableError,
    SecretDecryptionError,
    FlowValidationError,
    FlowRuleError,
    OnDemandError,
    RunNotFoundError,
    RunStateError,
)


def translate_flow_service(exc: Exception) -> ApiError | None:
    """The API error for a Flow Service error, or ``None`` when ``exc`` is not one."""
    if isinstance(exc, EntityNotFoundError | RunNotFoundError):
        return ApiError(404, "404", str(exc))
    if isinstance(exc, FlowValidationError | FlowRuleError | OnDemandError):
        return ApiError(400, "400", str(exc))
    if isinstance(exc, RunStateError):
        return ApiError(409, "409", str(exc))
    if isinstance(exc, StaleEtagError):
        return stale_etag(exc.supplied, exc.entity_id, exc.current)
    if isinstance(exc, PreconditionRequiredError):
        return ApiError(
            428,
            "428",
            f"If-Match is required to update {exc.entity_id}: send the etag from GET or from the create/last "
            'update answer, e.g. If-Match: "<etag>"',
        )
    if isinstance(exc, ConnectionInUseError):
        return ApiError(409, "409", str(exc), report={"flows": exc.users})
    if isinstance(exc, TokenRefusedError):
        return ApiError(400, "400", str(exc))
    if isinstance(exc, ConnectionRequestError | ExploreRequestError):
        return ApiError(400, "400", str(exc))
    if isinstance(exc, StripeUnavailableError):
        return ApiError(502, "502", str(exc))
    if isinstance(exc, SecretDecryptionError):
        return ApiError(500, "500", str(exc))
    return None

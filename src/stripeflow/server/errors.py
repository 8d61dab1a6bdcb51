"""Domain errors -> HTTP: the one place that picks a status code for what the services raise."""

from __future__ import annotations

from stripeflow.errors import ConfigurationError
from stripeflow.lake.catalog_repository import BatchCommittingError, CatalogNotFoundError
from stripeflow.lake.xdm_arrow import SchemaError
from stripeflow.prep.el import ExpressionError
from stripeflow.prep.errors import MappingSetError
from stripeflow.server.flow_errors import FLOW_SERVICE_ERRORS, translate_flow_service
from stripeflow.server.problems import ApiError
from stripeflow.store.errors import RecordNotFoundError
from stripeflow.xdm.errors import (
    BreakingChangeError,
    ConflictError,
    InvalidSchemaError,
    NotFoundError,
    RegistryError,
)

#: The error classes the services raise for a caller's mistake (each answered with its status, never a 500).
DOMAIN_ERRORS: tuple[type[Exception], ...] = (
    RegistryError,
    CatalogNotFoundError,
    RecordNotFoundError,
    BatchCommittingError,
    MappingSetError,
    ExpressionError,
    SchemaError,
    ConfigurationError,
    *FLOW_SERVICE_ERRORS,
)


def translate(exc: Exception) -> ApiError | None:
    """The API error for a domain error, or ``None`` for an unexpected one (a 500)."""
    flow_service = translate_flow_service(exc)
    if flow_service is not None:
        return flow_service
    if isinstance(exc, RegistryError):
        return _registry(exc)
    if isinstance(exc, CatalogNotFoundError | RecordNotFoundError):
        return ApiError(404, "404", str(exc))
    if isinstance(exc, BatchCommittingError):
        return ApiError(409, "409", f"{exc}; try again once it has finished")
    if isinstance(exc, MappingSetError):
        return ApiError(400, "400", str(exc), report={"problems": [str(item) for item in getattr(exc, "problems", [])]})
    if isinstance(exc, ExpressionError):
        return ApiError(400, "400", str(exc), report={"position": exc.position, "reason": exc.reason})
    if isinstance(exc, SchemaError | ConfigurationError):
        return ApiError(400, "400", str(exc))
    return None


def _registry(exc: RegistryError) -> ApiError:
    status = 400
    if isinstance(exc, NotFoundError):
        status = 404
    elif isinstance(exc, ConflictError):
        status = 409
    elif isinstance(exc, InvalidSchemaError | BreakingChangeError):
        status = 400
    return ApiError(status, str(status), exc.message, report={"details": list(exc.details)}, extra={"title": exc.code})

"""The Schema Registry's errors: each says what was wrong and how to fix it, and carries machine-readable details.

``details`` is a list of ``{"path": ..., "reason": ..., ...}`` objects (one per offending field or reference); the
REST layer returns it beside the message. Every error is a :class:`ValueError`, so callers that only validate
input can catch that.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from stripeflow.errors import StripeflowError


class RegistryError(StripeflowError, ValueError):
    """Base class of the Schema Registry's errors."""

    #: A short stable code for API bodies (``title`` of the problem document).
    code = "registry_error"

    def __init__(self, message: str, details: Sequence[dict[str, Any]] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.details: list[dict[str, Any]] = [dict(detail) for detail in details]

    def to_dict(self) -> dict[str, Any]:
        """The error as a JSON body: ``{"title", "detail", "report": {"details": [...]}}``."""
        return {"title": self.code, "detail": self.message, "report": {"details": self.details}}


class NotFoundError(RegistryError, LookupError):
    """No resource or descriptor with that id in this organization and sandbox (or not of that kind)."""

    code = "not_found"


class ConflictError(RegistryError):
    """The change collides with stored state: a duplicate title, a resource still in use, a second primary identity."""

    code = "conflict"


class InvalidSchemaError(RegistryError):
    """The document is malformed or breaks a composition rule (namespace, one class, compatible field groups)."""

    code = "invalid_schema"


class BreakingChangeError(RegistryError):
    """The change would make stored data invalid; ``details`` names each offending path and the rule it breaks."""

    code = "breaking_change"

"""The error taxonomy, named by what the caller should do about each error.

Errors from Stripe are translated once, at the HTTP seam (:mod:`stripeflow.stripe.client`), into these types; every
one carries the Stripe ``Request-Id`` when there was a response.
"""

from __future__ import annotations


class StripeflowError(Exception):
    """Base class of every error stripeflow raises on purpose."""


class ConfigurationError(StripeflowError):
    """A setting or argument is wrong; the message says which and how to fix it."""


class StripeError(StripeflowError):
    """An error answer (or no answer) from the Stripe API."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        request_id: str | None = None,
        resource: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code
        self.request_id = request_id
        self.resource = resource

    def __str__(self) -> str:
        parts = [self.message]
        if self.status is not None:
            parts.append(f"HTTP {self.status}")
        if self.code:
            parts.append(f"code={self.code}")
        if self.request_id:
            parts.append(f"request_id={self.request_id}")
        return " | ".join(parts)


class RetryableError(StripeError):
    """Transient (connection error, timeout, 409, 429, 5xx, malformed page): retried with backoff."""


class RateLimitedError(RetryableError):
    """HTTP 429: the account or endpoint rate limit, or a lock timeout."""

    def __init__(self, message: str, *, reason: str | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.reason = reason


class MalformedResponseError(RetryableError):
    """A 2xx answer that is not the JSON shape Stripe promises (bad JSON, missing ``data``)."""


class FatalError(StripeError):
    """Stops the whole run: nothing else can succeed with this key."""


class AuthenticationError(FatalError):
    """HTTP 401: the key is missing, invalid, expired or revoked."""


class PermissionDeniedError(StripeError):
    """HTTP 403: a restricted key lacks a permission. Fails one resource; the others go on."""

    def __init__(self, message: str, *, permission: str | None = None, **kwargs: object) -> None:
        super().__init__(message, **kwargs)  # type: ignore[arg-type]
        self.permission = permission


class BadRequestError(StripeError):
    """HTTP 400: a bug in the request; never retried."""


class NotFoundError(StripeError):
    """HTTP 404: the object or route does not exist; never retried."""


class PaginationLoopError(StripeError):
    """The API handed back a cursor it had already handed back: paging on would never end."""


class RetriesExhaustedError(StripeError):
    """A retryable error persisted past the retry budget."""


def mask_key(key: str) -> str:
    """``sk_test_abc...xyz`` -> ``sk_test_****xyz``: safe to show and to log."""
    prefix_end = key.find("_", key.find("_") + 1) + 1 if key.count("_") >= 2 else 0
    tail = key[-4:] if len(key) > prefix_end + 8 else ""
    return f"{key[:prefix_end]}****{tail}"


class ConcurrentSyncError(StripeflowError):
    """Another sync of the same account is running on the same data dir."""

"""API errors and their bodies, chosen in one place.

Header-level errors carry the Experience Platform's gateway bodies (``{"error_code", "message"}``); every other
error is a problem document (RFC 9457 style, as the Platform's services answer): ``{"type", "status", "title",
"detail", "error_code"}`` plus, where it helps, ``report`` (machine-readable details) and ``errorMessage`` (the
Flow Service's stale-etag wording).
"""

from __future__ import annotations

from typing import Any

ERROR_TYPE_BASE = "https://ns.adobe.com/aep/errors/"

TITLES = {
    400: "BadRequestError",
    401: "UnauthorizedError",
    403: "ForbiddenError",
    404: "NotFoundError",
    405: "MethodNotAllowedError",
    406: "NotAcceptableError",
    409: "ConflictError",
    412: "PreconditionFailedError",
    415: "UnsupportedMediaTypeError",
    422: "BadRequestError",
    428: "PreconditionRequiredError",
    500: "InternalServerError",
    502: "BadGatewayError",
    503: "ServiceUnavailableError",
}


class ApiError(Exception):
    """An error the API answers with ``status`` and a problem body; ``code`` is the Platform-style error code."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        *,
        report: Any = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.report = report
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        document: dict[str, Any] = {
            "type": f"{ERROR_TYPE_BASE}{self.code}",
            "status": self.status,
            "title": TITLES.get(self.status, "Error"),
            "detail": self.detail,
            "error_code": self.code,
        }
        if self.report is not None:
            document["report"] = self.report
        document.update(self.extra)
        return document


class GatewayError(ApiError):
    """A header check failed: answered with the gateway's ``{"error_code", "message"}`` body (plus ``detail``)."""

    def __init__(self, status: int, code: str, message: str, detail: str) -> None:
        super().__init__(status, code, detail)
        self.message = message

    def body(self) -> dict[str, Any]:
        return {"error_code": self.code, "message": self.message, "detail": self.detail}


def bad_request(detail: str, *, code: str = "400", report: Any = None) -> ApiError:
    return ApiError(400, code, detail, report=report)


def not_found(what: str, identifier: str) -> ApiError:
    return ApiError(404, "404", f"{what} {identifier!r} was not found in this organization and sandbox")


def conflict(detail: str, *, report: Any = None) -> ApiError:
    return ApiError(409, "409", detail, report=report)


def stale_etag(supplied: str, entity: str, current: str) -> ApiError:
    """The Flow Service's refusal of a stale ``If-Match`` (the documented ``errorMessage`` is kept verbatim)."""
    message = f"Supplied version=[{supplied}] does not match the current version on entity=[{entity}]"
    return ApiError(
        412,
        "412",
        f"{message}. GET the entity again, re-apply your change and send it with the new etag ({current}).",
        extra={"errorMessage": message},
    )

"""Stripe-shaped error answers: the exception handlers raise and the JSON body the app sends for it."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import orjson

DOC_BASE = "https://stripe.com/docs/error-codes/"


class ApiError(Exception):
    """An error answer. ``code``/``param`` are left out of the body when ``None``, as Stripe does."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_type: str = "invalid_request_error",
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] = MappingProxyType({}),
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.error_type = error_type
        self.code = code
        self.param = param
        self.headers = headers

    def body(self, request_id: str, livemode: bool) -> bytes:
        error: dict[str, Any] = {}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = DOC_BASE + self.code.replace("_", "-")
        error["message"] = self.message
        if self.param:
            error["param"] = self.param
        mode = "" if livemode else "test/"
        error["request_log_url"] = f"https://dashboard.stripe.com/{mode}logs/{request_id}"
        error["type"] = self.error_type
        return orjson.dumps({"error": error})


def bad_request(message: str, *, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, param=param, code=code)


def unknown_parameter(name: str) -> ApiError:
    return bad_request(f"Received unknown parameter: {name}", param=name, code="parameter_unknown")


def invalid_integer(name: str, raw: str) -> ApiError:
    return bad_request(f"Invalid integer: {raw}", param=name, code="parameter_invalid_integer")


def no_such(object_name: str, object_id: str, *, param: str = "id", status: int = 404) -> ApiError:
    label = object_name.replace("test_helpers.", "").replace("_", " ")
    return ApiError(status, f"No such {label}: '{object_id}'", code="resource_missing", param=param)


def unrecognized_url(method: str, path: str) -> ApiError:
    hint = ""
    if path.endswith("/"):
        hint = " If you are trying to list objects, remove the trailing slash."
    return ApiError(
        404,
        f"Unrecognized request URL ({method}: {path}). Please see https://stripe.com/docs or we can help at "
        f"https://support.stripe.com/.{hint}",
    )

"""HTTP handling of the Connect OAuth endpoints (the logic is in :mod:`.oauth`)."""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import parse_qsl

import orjson

from stripeflow.emulator.auth import key_from_headers
from stripeflow.emulator.oauth import OAuthError
from stripeflow.emulator.service import EmulatorService, Response


def handle(
    service: EmulatorService, method: str, path: str, query: str, headers: Mapping[str, str], body: bytes
) -> Response:
    """Answer ``/oauth/…``; errors use OAuth's shape, ``{"error": "invalid_grant", "error_description": …}``."""
    common = {"Request-Id": service.request_id(), "Date": service.clock.http_date()}
    form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    key = key_from_headers(headers)
    try:
        if (method, path) == ("GET", "/oauth/authorize"):
            status, answer, extra = service.oauth.authorize(dict(parse_qsl(query, keep_blank_values=True)))
            return Response(status, answer, {**common, **extra})
        if (method, path) == ("POST", "/oauth/token"):
            return Response(200, orjson.dumps(service.oauth.token(key, form)), common)
        if (method, path) == ("POST", "/oauth/deauthorize"):
            return Response(200, orjson.dumps(service.oauth.deauthorize(key, form)), common)
        raise OAuthError("invalid_request", f"Unrecognized request URL ({method}: {path}).", 404)
    except OAuthError as error:
        return Response(error.status, error.body(), common)

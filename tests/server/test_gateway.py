"""Header checks, error bodies, health and the OpenAPI document."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from stripeflow.server.app import create_app
from tests.server.conftest import HEADERS, api_settings

PATH = "/data/foundation/schemaregistry/stats"


def without(*names: str) -> dict[str, str]:
    return {key: value for key, value in HEADERS.items() if key not in names}


@pytest.mark.parametrize(
    ("headers", "status", "code", "message"),
    [
        (without("Authorization"), 403, "403010", "Oauth token is missing."),
        ({**HEADERS, "Authorization": "Bearer wrong"}, 401, "401013", "Oauth token is not valid"),
        ({**HEADERS, "Authorization": "Basic abc"}, 401, "401013", "Oauth token is not valid"),
        (without("x-api-key"), 403, "403000", "Api Key is required"),
        (without("x-gw-ims-org-id"), 400, "400003", "Missing header"),
        ({**HEADERS, "x-gw-ims-org-id": "not-an-org"}, 403, "403027", "User region is missing"),
    ],
)
def test_header_errors_have_the_gateway_codes_and_bodies(
    tmp_path: Path, headers: dict[str, str], status: int, code: str, message: str
) -> None:
    with TestClient(create_app(api_settings(tmp_path))) as client:
        response = client.get(PATH, headers=headers)
    assert response.status_code == status
    body = response.json()
    assert body["error_code"] == code
    assert body["message"] == message
    assert body["detail"]


def test_an_api_key_outside_the_configured_ones_is_refused(tmp_path: Path) -> None:
    with TestClient(create_app(api_settings(tmp_path, api_keys="alpha, beta"))) as client:
        refused = client.get(PATH, headers={**HEADERS, "x-api-key": "gamma"})
        assert refused.status_code == 403
        assert refused.json()["error_code"] == "403003"
        assert client.get(PATH, headers={**HEADERS, "x-api-key": "beta"}).status_code != 403


def test_a_bad_sandbox_name_and_a_body_that_is_not_json_are_400(tmp_path: Path) -> None:
    with TestClient(create_app(api_settings(tmp_path)), headers=HEADERS) as client:
        bad = client.get(PATH, headers={"x-sandbox-name": "Not A Sandbox"})
        assert bad.status_code == 400
        assert "x-sandbox-name" in bad.json()["detail"]
        posted = client.post(
            "/data/foundation/schemaregistry/tenant/schemas", content=b"title=x", headers={"Content-Type": "text/plain"}
        )
        assert posted.status_code == 400
        assert posted.json()["detail"] == "A valid content-type must be specified"
        assert posted.json()["title"] == "BadRequestError"


def test_a_generated_bootstrap_token_is_printed_once_and_only_its_digest_is_kept(tmp_path: Path) -> None:
    printed: list[str] = []
    settings = api_settings(tmp_path, bootstrap_token=None)
    with TestClient(create_app(settings, announce=printed.append)) as client:
        (message,) = printed
        token = message.split("keep it): ")[1].split()[0]
        ok = client.get("/health")
        assert ok.status_code == 200
        authorized = client.get(PATH, headers={**HEADERS, "Authorization": f"Bearer {token}"})
        assert authorized.status_code != 401
    digest = tmp_path / "bootstrap-token.sha256"
    assert token not in digest.read_text()
    assert stat.S_IMODE(digest.stat().st_mode) == 0o600
    with TestClient(create_app(settings, announce=printed.append)):
        assert len(printed) == 1, "printed once: a restart keeps the token"


def test_health_and_openapi_need_no_headers(tmp_path: Path) -> None:
    with TestClient(create_app(api_settings(tmp_path))) as client:
        health = client.get("/health")
        assert health.status_code == 200
        assert health.json() == {"status": "ok", "checks": {"metadata": "ok"}}
        document = client.get("/openapi.json").json()
        assert document["info"]["title"] == "stripeflow"
        assert client.get("/docs").status_code == 200

"""Contract tests of the Schema Registry API (``/data/foundation/schemaregistry``): success and error bodies of
every endpoint, the documented flow end to end, and sandbox and organization isolation (also on PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from stripeflow.server.app import create_app
from stripeflow.xdm.builtins import IDENTITY_MAP, PERSONAL_CONTACT_DETAILS, RECORD_BEHAVIOR
from stripeflow.xdm.stripe_layout import PROFILE_CLASS
from tests.server.conftest import HEADERS, api_settings

BASE = "/data/foundation/schemaregistry"
NS = "_stripeflow"  # the default tenant id's namespace


def accept(form: str, version: str = "1") -> dict[str, str]:
    return {"Accept": f"application/vnd.adobe.{form}+json; version={version}"}


XED = accept("xed")
FORMS = ("xed", "xed-full", "xed-notext", "xed-full-notext", "xed-full-desc", "xed-deprecatefield")


@pytest.fixture
def api(tmp_path: Path) -> Iterator[TestClient]:
    """A client on a fresh app (on the running test's metadata backend: see ``conftest.metadata_backend``)."""
    with TestClient(create_app(api_settings(tmp_path)), headers=HEADERS) as client:
        yield client


def loyalty_body(title: str = "Loyalty") -> dict[str, Any]:
    fields = {
        "loyalty": {
            "type": "object",
            "properties": {
                "memberId": {"type": "string", "title": "Member id"},
                "points": {"type": "integer", "title": "Points"},
                "tier": {"type": "string", "title": "Tier"},
            },
        }
    }
    return {
        "title": title,
        "description": "Loyalty programme",
        "type": "object",
        "meta:intendedToExtend": [PROFILE_CLASS],
        "definitions": {"loyalty": {"properties": {NS: {"type": "object", "properties": fields}}}},
        "allOf": [{"$ref": "#/definitions/loyalty"}],
    }


def schema_body(*refs: str, title: str = "Members") -> dict[str, Any]:
    return {"title": title, "type": "object", "allOf": [{"$ref": ref} for ref in (PROFILE_CLASS, *refs)]}


def create(client: TestClient, kind: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{BASE}/tenant/{kind}", json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


def identity(schema_id: str, field: str = "memberId", *, primary: bool = True) -> dict[str, Any]:
    return {
        "@type": "xdm:descriptorIdentity",
        "xdm:sourceSchema": schema_id,
        "xdm:sourceVersion": 1,
        "xdm:sourceProperty": f"/{NS}/loyalty/{field}",
        "xdm:namespace": "Email",
        "xdm:property": "xdm:code",
        "xdm:isPrimary": primary,
    }


def assert_problem(response: Any, status: int, title: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert body["status"] == status
    assert body["error_code"].startswith(str(status))
    assert body["type"] == f"https://ns.adobe.com/aep/errors/{body['error_code']}"
    assert body["detail"]
    if title is not None:
        assert body["title"] == title
    return body


# --- the documented flow ----------------------------------------------------------------------------------------


def test_the_documented_flow(api: TestClient) -> None:
    group = create(api, "fieldgroups", loyalty_body())
    hex_id = group["$id"].rsplit("/", 1)[1]
    assert group["$id"] == f"https://ns.adobe.com/stripeflow/mixins/{hex_id}"
    assert group["meta:altId"] == f"_stripeflow.mixins.{hex_id}"
    assert group["version"] == "1.0"

    schema = create(api, "schemas", schema_body(group["$id"], PERSONAL_CONTACT_DETAILS))
    assert schema["meta:class"] == PROFILE_CLASS
    assert schema["meta:containerId"] == "tenant"
    assert schema["meta:tenantNamespace"] == NS
    assert {PROFILE_CLASS, group["$id"], PERSONAL_CONTACT_DETAILS} <= set(schema["meta:extends"])

    descriptor = api.post(f"{BASE}/tenant/descriptors", json=identity(schema["$id"]))
    assert descriptor.status_code == 201, descriptor.text
    assert len(descriptor.json()["@id"]) == 32
    assert descriptor.json()["xdm:sourceSchema"] == schema["$id"]

    path = f"{BASE}/tenant/schemas/{schema['meta:altId']}"
    raw = api.get(path, headers=XED).json()
    assert raw["allOf"] == schema["allOf"]
    assert "properties" not in raw
    full = api.get(path, headers=accept("xed-full")).json()
    loyalty = full["properties"][NS]["properties"]["loyalty"]
    assert loyalty["properties"]["points"]["title"] == "Points"
    assert "personalEmail" in full["properties"]
    notext = api.get(path, headers=accept("xed-full-notext")).json()
    assert "title" not in notext["properties"][NS]["properties"]["loyalty"]["properties"]["points"]
    assert notext["title"] == "Members"
    assert "allOf" in api.get(path, headers=accept("xed-notext")).json()
    described = api.get(path, headers=accept("xed-full-desc")).json()
    assert [item["@id"] for item in described["meta:descriptors"]] == [descriptor.json()["@id"]]

    patched = api.patch(
        f"{BASE}/tenant/schemas/{quote(schema['$id'], safe='')}",
        json=[{"op": "add", "path": "/allOf/-", "value": {"$ref": IDENTITY_MAP}}],
    )
    assert patched.status_code == 200, patched.text
    assert patched.json()["version"] == "1.1"
    assert IDENTITY_MAP in patched.json()["meta:extends"]
    assert "identityMap" in api.get(path, headers=accept("xed-full")).json()["properties"]

    breaking = api.put(path, json=schema_body(PERSONAL_CONTACT_DETAILS, IDENTITY_MAP))
    body = assert_problem(breaking, 400, "breaking_change")
    assert [(detail["path"], detail["rule"]) for detail in body["report"]["details"]] == [(NS, "field_removed")]
    assert "deprecated" in body["report"]["details"][0]["fix"]
    assert api.get(path, headers=XED).json()["version"] == "1.1"


def test_every_lookup_form_by_alt_id_and_encoded_id(api: TestClient) -> None:
    group = create(api, "fieldgroups", loyalty_body())
    tier = f"/definitions/loyalty/properties/{NS}/properties/loyalty/properties/tier/meta:status"
    deprecated = api.patch(
        f"{BASE}/tenant/fieldgroups/{group['meta:altId']}", json=[{"op": "add", "path": tier, "value": "deprecated"}]
    )
    assert deprecated.status_code == 200, deprecated.text
    for ref in (group["meta:altId"], quote(group["$id"], safe="")):
        for form in FORMS:
            response = api.get(f"{BASE}/tenant/fieldgroups/{ref}", headers=accept(form))
            assert response.status_code == 200, (form, response.text)
            assert response.json()["$id"] == group["$id"]
    path = f"{BASE}/tenant/mixins/{group['meta:altId']}"
    fields = api.get(path, headers=accept("xed-full")).json()["properties"][NS]["properties"]["loyalty"]["properties"]
    assert "tier" not in fields
    kept = api.get(path, headers=accept("xed-deprecatefield")).json()
    assert kept["properties"][NS]["properties"]["loyalty"]["properties"]["tier"]["meta:status"] == "deprecated"
    first = api.get(path, headers=accept("xed", "1.0")).json()
    assert first["version"] == "1.0"
    assert api.get(path, headers=XED).json()["version"] == "1.1"


@pytest.mark.parametrize(
    ("value", "fragment"),
    [
        (None, "a lookup needs an Accept header"),
        ("*/*", "names no form"),
        ("application/json", "names no form"),
        ("application/vnd.adobe.xed-full+json", "has no version"),
        ("application/vnd.adobe.xed-unknown+json; version=1", "names no form"),
        ("application/vnd.adobe.xed+json; version=2", "version=2 does not exist"),
    ],
)
def test_a_lookup_without_a_versioned_form_is_406(client: TestClient, value: str | None, fragment: str) -> None:
    headers = {"Accept": value} if value is not None else {}
    if value is None:  # the test client sends */* unless told otherwise
        client.headers.pop("Accept", None)
        headers = {"Accept": ""}
    response = client.get(f"{BASE}/global/classes/_xdm.context.profile", headers=headers)
    body = assert_problem(response, 406, "NotAcceptableError")
    assert fragment in body["detail"]
    assert "application/vnd.adobe.xed-full-desc+json; version=1" in body["detail"]
    assert len(body["report"]["accepted"]) == len(FORMS)


def test_lookup_errors(client: TestClient) -> None:
    missing = client.get(f"{BASE}/tenant/schemas/_stripeflow.schemas.{'0' * 32}", headers=XED)
    assert_problem(missing, 404, "not_found")
    assert missing.json()["report"] == {"details": missing.json()["report"]["details"]}
    group = create(client, "fieldgroups", loyalty_body())
    assert_problem(client.get(f"{BASE}/tenant/schemas/{group['meta:altId']}", headers=XED), 404)
    assert_problem(client.get(f"{BASE}/global/fieldgroups/{group['meta:altId']}", headers=XED), 404)
    assert_problem(client.get(f"{BASE}/tenant/fieldgroups/{group['meta:altId']}", headers=accept("xed", "1.7")), 404)
    unknown_kind = assert_problem(client.get(f"{BASE}/tenant/unions", headers=XED), 400)
    assert "kind" in unknown_kind["detail"]


def test_global_built_ins_are_readable(client: TestClient) -> None:
    profile = client.get(f"{BASE}/global/classes/{quote(PROFILE_CLASS, safe='')}", headers=XED)
    assert profile.status_code == 200
    assert profile.json()["title"] == "XDM Individual Profile"
    assert profile.json()["meta:containerId"] == "global"
    behaviors = client.get(f"{BASE}/global/behaviors").json()
    assert RECORD_BEHAVIOR in {item["$id"] for item in behaviors["results"]}
    assert client.get(f"{BASE}/global/behaviors/_xdm.data.record", headers=XED).json()["$id"] == RECORD_BEHAVIOR


# --- listing ----------------------------------------------------------------------------------------------------


def test_listing_pages_filters_and_forms(api: TestClient) -> None:
    for title in ("Bravo", "Alpha", "Delta", "Charlie"):
        create(api, "fieldgroups", loyalty_body(title))
    first = api.get(f"{BASE}/tenant/fieldgroups", params={"limit": 2})
    assert first.status_code == 200
    body = first.json()
    assert [item["title"] for item in body["results"]] == ["Alpha", "Bravo"]
    assert set(body["results"][0]) == {"$id", "meta:altId", "version", "title"}
    assert body["_page"] == {"orderby": "title", "next": "Charlie", "count": 2}
    href = body["_links"]["next"]["href"]
    assert href == f"http://testserver{BASE}/tenant/fieldgroups?orderby=title&start=Charlie&limit=2"
    second = api.get(href).json()
    assert [item["title"] for item in second["results"]] == ["Charlie", "Delta"]
    assert second["_links"] == {}

    ids = {"Accept": "application/vnd.adobe.xed-id+json"}
    alias = api.get(f"{BASE}/tenant/mixins", params={"orderby": "-title", "limit": 1}, headers=ids).json()
    assert [item["title"] for item in alias["results"]] == ["Delta"]
    assert alias["_links"]["next"]["href"].startswith(f"http://testserver{BASE}/tenant/fieldgroups?orderby=-title")
    full = api.get(f"{BASE}/tenant/fieldgroups", headers={"Accept": "application/vnd.adobe.xed+json"}).json()
    assert full["results"][0]["meta:intendedToExtend"] == [PROFILE_CLASS]
    filtered = api.get(f"{BASE}/tenant/fieldgroups", params=[("property", "title~^(Alpha|Delta)$")]).json()
    assert [item["title"] for item in filtered["results"]] == ["Alpha", "Delta"]
    both = api.get(f"{BASE}/tenant/fieldgroups", params=[("property", "title!=Alpha"), ("property", "title<Charlie")])
    assert [item["title"] for item in both.json()["results"]] == ["Bravo"]
    assert api.get(f"{BASE}/tenant/schemas").json()["results"] == []


def test_listing_errors(client: TestClient) -> None:
    too_many = assert_problem(client.get(f"{BASE}/tenant/schemas", params={"limit": 301}), 400)
    assert "limit" in too_many["detail"]
    assert_problem(client.get(f"{BASE}/tenant/schemas", params={"limit": 0}), 400)
    create(client, "schemas", schema_body())
    bad_regex = assert_problem(client.get(f"{BASE}/tenant/schemas", params={"property": "title~("}), 400)
    assert "regular expression" in bad_regex["detail"]
    wrong = client.get(f"{BASE}/tenant/schemas", headers={"Accept": "text/html"})
    assert "application/vnd.adobe.xed-id+json" in assert_problem(wrong, 406)["detail"]
    assert_problem(client.get(f"{BASE}/local/schemas"), 400)


# --- writes -----------------------------------------------------------------------------------------------------


def test_create_errors(client: TestClient) -> None:
    outside = loyalty_body()
    outside["definitions"]["loyalty"]["properties"] = {"points": {"type": "integer"}}
    invalid = assert_problem(client.post(f"{BASE}/tenant/fieldgroups", json=outside), 400, "invalid_schema")
    assert f"{NS}." in invalid["detail"]
    assert isinstance(invalid["report"]["details"], list)
    create(client, "fieldgroups", loyalty_body())
    duplicate = assert_problem(client.post(f"{BASE}/tenant/fieldgroups", json=loyalty_body()), 409, "conflict")
    assert duplicate["report"]["details"][0]["reason"] == "duplicate_title"
    two_classes = schema_body("https://ns.adobe.com/xdm/context/experienceevent")
    assert_problem(client.post(f"{BASE}/tenant/schemas", json=two_classes), 400, "invalid_schema")
    assert_problem(client.post(f"{BASE}/tenant/schemas", json=[1, 2]), 400, "BadRequestError")
    assert_problem(client.post(f"{BASE}/tenant/behaviors", json={"title": "x"}), 400)
    plain = client.post(f"{BASE}/tenant/schemas", content=b"{}", headers={"Content-Type": "text/plain"})
    assert assert_problem(plain, 400)["detail"] == "A valid content-type must be specified"


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_writing_to_the_global_container_is_405(client: TestClient, method: str) -> None:
    path = f"{BASE}/global/classes" if method == "POST" else f"{BASE}/global/classes/_xdm.context.profile"
    response = client.request(method, path, json=None if method == "DELETE" else {"title": "x"})
    body = assert_problem(response, 405, "MethodNotAllowedError")
    assert response.headers["allow"] == "GET"
    assert "read-only" in body["detail"]
    assert "/tenant/" in body["detail"]


def test_put_patch_delete_and_their_errors(client: TestClient) -> None:
    group = create(client, "fieldgroups", loyalty_body())
    path = f"{BASE}/tenant/fieldgroups/{group['meta:altId']}"
    renamed = client.put(path, json={**loyalty_body(), "title": "Loyalty v2"})
    assert renamed.status_code == 200, renamed.text
    assert (renamed.json()["title"], renamed.json()["version"]) == ("Loyalty v2", "1.1")
    bad_op = client.patch(path, json=[{"op": "replace", "path": "/nothing/here", "value": 1}])
    assert_problem(bad_op, 400, "invalid_schema")
    assert_problem(client.patch(path, json=[{"op": "move", "path": "/title"}]), 400, "BadRequestError")
    assert_problem(client.patch(path, json=[]), 400, "invalid_schema")
    ghost = f"{BASE}/tenant/fieldgroups/_stripeflow.mixins.{'0' * 32}"
    assert_problem(client.put(ghost, json=loyalty_body()), 404, "not_found")
    assert_problem(client.patch(ghost, json=[{"op": "remove", "path": "/description"}]), 404)
    assert_problem(client.delete(ghost), 404)
    assert_problem(client.delete(f"{BASE}/tenant/schemas/{group['meta:altId']}"), 404)
    assert_problem(client.delete(f"{BASE}/tenant/classes/_xdm.context.profile"), 404)

    schema = create(client, "schemas", schema_body(group["$id"]))
    in_use = assert_problem(client.delete(path), 409, "conflict")
    assert schema["$id"] in in_use["detail"]
    deleted = client.delete(f"{BASE}/tenant/schemas/{schema['meta:altId']}")
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert_problem(client.get(f"{BASE}/tenant/schemas/{schema['meta:altId']}", headers=XED), 404)
    assert client.delete(path).status_code == 204


# --- descriptors ------------------------------------------------------------------------------------------------


def test_descriptors_crud_forms_and_errors(api: TestClient) -> None:
    group = create(api, "fieldgroups", loyalty_body())
    schema = create(api, "schemas", schema_body(group["$id"]))
    other = create(api, "schemas", schema_body(group["$id"], title="Others"))
    created = api.post(f"{BASE}/tenant/descriptors", json=identity(schema["meta:altId"]))
    assert created.status_code == 201, created.text
    descriptor = created.json()
    assert descriptor["xdm:sourceSchema"] == schema["$id"]
    assert descriptor["meta:containerId"] == "tenant"
    descriptor_id = descriptor["@id"]
    api.post(f"{BASE}/tenant/descriptors", json=identity(other["$id"]))

    path = f"{BASE}/tenant/descriptors/{descriptor_id}"
    assert api.get(path).json() == descriptor
    assert len(api.get(f"{BASE}/tenant/descriptors").json()) == 2
    only = api.get(f"{BASE}/tenant/descriptors", params={"property": f"xdm:sourceSchema=={schema['$id']}"}).json()
    assert only == [descriptor]
    ids = api.get(f"{BASE}/tenant/descriptors", headers={"Accept": "application/vnd.adobe.xdm-id+json"}).json()
    assert descriptor_id in ids
    links = api.get(f"{BASE}/tenant/descriptors", headers={"Accept": "application/vnd.adobe.xdm-link+json"}).json()
    assert f"/descriptors/{descriptor_id}" in links["xdm:descriptorIdentity"]

    second_primary = api.post(f"{BASE}/tenant/descriptors", json=identity(schema["$id"], "tier"))
    assert descriptor_id in assert_problem(second_primary, 409, "conflict")["detail"]
    not_a_string = api.post(f"{BASE}/tenant/descriptors", json=identity(schema["$id"], "points", primary=False))
    assert_problem(not_a_string, 400, "invalid_schema")
    unknown_schema = identity(f"https://ns.adobe.com/stripeflow/schemas/{'0' * 32}")
    assert_problem(api.post(f"{BASE}/tenant/descriptors", json=unknown_schema), 404, "not_found")

    updated = api.put(path, json={"xdm:isPrimary": False})
    assert updated.status_code == 200, updated.text
    assert updated.json()["xdm:isPrimary"] is False
    assert updated.json()["xdm:namespace"] == "Email"
    assert api.delete(path).status_code == 204
    assert_problem(api.get(path), 404, "not_found")
    assert_problem(api.put(path, json={"xdm:isPrimary": True}), 404)
    assert_problem(api.delete(path), 404)


def test_descriptor_listing_errors(client: TestClient) -> None:
    bad_filter = client.get(f"{BASE}/tenant/descriptors", params={"property": "@type==xdm:descriptorIdentity"})
    assert "xdm:sourceSchema==" in assert_problem(bad_filter, 400)["detail"]
    missing_schema = client.get(f"{BASE}/tenant/descriptors", params={"property": "xdm:sourceSchema==_stripeflow.x"})
    assert_problem(missing_schema, 404)
    wrong = client.get(f"{BASE}/tenant/descriptors", headers={"Accept": "application/vnd.adobe.xed+json"})
    assert "application/vnd.adobe.xdm-link+json" in assert_problem(wrong, 406)["detail"]
    assert_problem(client.post(f"{BASE}/tenant/descriptors", json={"@type": "xdm:other"}), 400, "invalid_schema")


# --- isolation, stats, OpenAPI ----------------------------------------------------------------------------------


def test_sandboxes_and_organizations_are_isolated(api: TestClient) -> None:
    group = create(api, "fieldgroups", loyalty_body())
    path = f"{BASE}/tenant/fieldgroups/{group['meta:altId']}"
    assert api.get(path, headers=XED).status_code == 200
    dev = {**XED, "x-sandbox-name": "dev"}
    assert_problem(api.get(path, headers=dev), 404, "not_found")
    assert api.get(f"{BASE}/tenant/fieldgroups", headers={"x-sandbox-name": "dev"}).json()["results"] == []
    assert_problem(api.delete(path, headers={"x-sandbox-name": "dev"}), 404)
    other_org = {**XED, "x-gw-ims-org-id": "OTHERORG@AdobeOrg"}
    assert_problem(api.get(path, headers=other_org), 404)
    same_title = api.post(f"{BASE}/tenant/fieldgroups", json=loyalty_body(), headers={"x-sandbox-name": "dev"})
    assert same_title.status_code == 201, "titles are unique per sandbox, not across them"
    assert api.get(path, headers=XED).json()["title"] == "Loyalty"


def test_stats_count_the_tenant_resources(client: TestClient) -> None:
    group = create(client, "fieldgroups", loyalty_body())
    create(client, "schemas", schema_body(group["$id"]))
    stats = client.get(f"{BASE}/stats").json()
    assert stats["imsOrg"] == HEADERS["x-gw-ims-org-id"]
    assert stats["tenantId"] == "stripeflow"
    assert (stats["counts"]["mixins"], stats["counts"]["schemas"]) == (1, 1)
    assert stats["countsByContainer"]["global"]["classes"] == 2
    assert stats["recentlyCreatedResources"][0]["title"] in {"Members", "Loyalty"}


def test_the_openapi_document_describes_every_registry_operation(client: TestClient) -> None:
    document = client.get("/openapi.json").json()
    operations = {
        (method, path.removeprefix(BASE)): operation
        for path, item in document["paths"].items()
        if path.startswith(BASE)
        for method, operation in item.items()
    }
    assert set(operations) == {
        ("get", "/stats"),
        ("get", "/{container}/{kind}"),
        ("get", "/{container}/{kind}/{resource_id}"),
        ("post", "/tenant/{kind}"),
        ("put", "/tenant/{kind}/{resource_id}"),
        ("patch", "/tenant/{kind}/{resource_id}"),
        ("delete", "/tenant/{kind}/{resource_id}"),
        ("get", "/tenant/descriptors"),
        ("post", "/tenant/descriptors"),
        ("get", "/tenant/descriptors/{descriptor_id}"),
        ("put", "/tenant/descriptors/{descriptor_id}"),
        ("delete", "/tenant/descriptors/{descriptor_id}"),
    }
    for (method, path), operation in operations.items():
        assert operation["summary"], (method, path)
        assert "422" not in operation["responses"], "invalid requests are 400s"
        assert {"400", "401", "403"} <= set(operation["responses"]), (method, path)
        if path.endswith("_id}"):
            assert "404" in operation["responses"], (method, path)
    assert set(operations[("post", "/tenant/{kind}")]["responses"]) >= {"201", "409"}
    assert "406" in operations[("get", "/{container}/{kind}/{resource_id}")]["responses"]
    parameters = {item["name"] for item in operations[("get", "/{container}/{kind}")]["parameters"]}
    assert {"container", "kind", "start", "limit", "orderby", "property", "accept"} <= parameters

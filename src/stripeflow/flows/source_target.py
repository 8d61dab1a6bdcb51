"""Source connections (a base connection plus a Stripe resource path) and target connections (a catalog dataset
bound to an XDM schema), one organization and sandbox at a time.

A source connection names its base connection (``baseConnectionId``, kept as the entity's parent) and cannot move
to another one; a target connection's schema and dataset must exist in this sandbox's registry and catalog, and the
dataset must hold that schema. Neither can be deleted while a flow uses it.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import Any, Final

from stripeflow.flows.connections import (
    CONNECTION,
    SOURCE_CONNECTION,
    TARGET_CONNECTION,
    ConnectionInUseError,
    ConnectionRequestError,
    check_fixed_keys,
    check_known_keys,
    current_for_update,
    flows_using,
    name_and_description,
    patched,
    spec_ref,
    state_of,
)
from stripeflow.flows.entities import EntityNotFoundError, EntityRecord, EntityRepository, document
from stripeflow.flows.filters import PropertyFilter
from stripeflow.flows.specs import (
    DATA_LAKE_SPEC_ID,
    RESOURCE_PATHS,
    SOURCE_FORMAT,
    STRIPE_SPEC_ID,
    TARGET_FORMAT,
)
from stripeflow.lake.catalog_repository import CatalogNotFoundError
from stripeflow.platform import Platform
from stripeflow.xdm.errors import NotFoundError as SchemaNotFoundError

_SOURCE_KEYS: Final = ("name", "description", "baseConnectionId", "connectionSpec", "data", "params")
_TARGET_KEYS: Final = ("name", "description", "connectionSpec", "data", "params")
_SOURCE_EDITABLE: Final = ("name", "description", "data", "params")
_TARGET_EDITABLE: Final = ("name", "description", "data", "params")


class SourceConnections:
    """CRUD of source connections; ``baseConnectionId`` must name a base connection of the same sandbox."""

    def __init__(self, repo: EntityRepository) -> None:
        self._repo = repo

    def create(self, body: dict[str, Any]) -> EntityRecord:
        _refuse_unknown(body, _SOURCE_KEYS, "source connection")
        name, public = self._checked(body)
        return self._repo.create(SOURCE_CONNECTION, public, name=name, parent_id=public["baseConnectionId"])

    def get(self, entity_id: str) -> EntityRecord:
        return self._repo.get(SOURCE_CONNECTION, entity_id)

    def list(self, filters: Sequence[PropertyFilter], limit: int, start: int) -> builtins.list[EntityRecord]:
        return self._repo.list(SOURCE_CONNECTION, filters=filters, limit=limit, start=start)

    def patch(self, entity_id: str, ops: Any, if_match: str | None) -> EntityRecord:
        record = current_for_update(self._repo, SOURCE_CONNECTION, entity_id, if_match)
        before = document(record)
        after = patched(before, ops)
        check_fixed_keys(before, after, ("baseConnectionId",))
        check_known_keys(after, (*_SOURCE_EDITABLE, "baseConnectionId"))
        name, public = self._checked({key: after.get(key) for key in _SOURCE_KEYS if key in after})
        return self._repo.update(
            SOURCE_CONNECTION, entity_id, if_match=if_match, body=public, name=name, state=state_of(after)
        )

    def delete(self, entity_id: str) -> None:
        self._repo.get(SOURCE_CONNECTION, entity_id)
        users = flows_using(self._repo, "sourceConnectionIds", [entity_id])
        if users:
            raise ConnectionInUseError(_in_use("source connection", entity_id, users), users)
        self._repo.delete(SOURCE_CONNECTION, entity_id)

    def _checked(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name, public = name_and_description(body, "source connection")
        base_id = body.get("baseConnectionId")
        if not isinstance(base_id, str) or not base_id:
            raise ConnectionRequestError("baseConnectionId is required: the id POST /connections returned")
        try:
            self._repo.get(CONNECTION, base_id)
        except EntityNotFoundError:
            raise ConnectionRequestError(
                f"baseConnectionId {base_id!r} is not a base connection of this organization and sandbox "
                f"({self._repo.sandbox_name!r}); create one with POST /connections"
            ) from None
        public["baseConnectionId"] = base_id
        public["connectionSpec"] = spec_ref(body, STRIPE_SPEC_ID, "the Stripe source")
        public["data"] = _data_format(body, SOURCE_FORMAT)
        params = body.get("params")
        resource = params.get("resourcePath") if isinstance(params, dict) else None
        if resource not in RESOURCE_PATHS:
            raise ConnectionRequestError(
                f"params.resourcePath must be one of {', '.join(RESOURCE_PATHS)}, got {resource!r}"
            )
        assert isinstance(params, dict)
        extra = sorted(set(params) - {"resourcePath"})
        if extra:
            raise ConnectionRequestError(f"params may only hold resourcePath, not {', '.join(extra)}")
        public["params"] = {"resourcePath": resource}
        return name.strip(), public


class TargetConnections:
    """CRUD of data lake target connections, checked against this sandbox's Schema Registry and Catalog."""

    def __init__(self, repo: EntityRepository, platform: Platform) -> None:
        self._repo = repo
        self._platform = platform

    def create(self, body: dict[str, Any]) -> EntityRecord:
        _refuse_unknown(body, _TARGET_KEYS, "target connection")
        name, public = self._checked(body)
        return self._repo.create(TARGET_CONNECTION, public, name=name)

    def get(self, entity_id: str) -> EntityRecord:
        return self._repo.get(TARGET_CONNECTION, entity_id)

    def list(self, filters: Sequence[PropertyFilter], limit: int, start: int) -> builtins.list[EntityRecord]:
        return self._repo.list(TARGET_CONNECTION, filters=filters, limit=limit, start=start)

    def patch(self, entity_id: str, ops: Any, if_match: str | None) -> EntityRecord:
        record = current_for_update(self._repo, TARGET_CONNECTION, entity_id, if_match)
        before = document(record)
        after = patched(before, ops)
        check_fixed_keys(before, after, ())
        check_known_keys(after, _TARGET_EDITABLE)
        name, public = self._checked({key: after.get(key) for key in _TARGET_KEYS if key in after})
        return self._repo.update(
            TARGET_CONNECTION, entity_id, if_match=if_match, body=public, name=name, state=state_of(after)
        )

    def delete(self, entity_id: str) -> None:
        self._repo.get(TARGET_CONNECTION, entity_id)
        users = flows_using(self._repo, "targetConnectionIds", [entity_id])
        if users:
            raise ConnectionInUseError(_in_use("target connection", entity_id, users), users)
        self._repo.delete(TARGET_CONNECTION, entity_id)

    def _checked(self, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        name, public = name_and_description(body, "target connection")
        public["connectionSpec"] = spec_ref(body, DATA_LAKE_SPEC_ID, "the data lake")
        data = _data_format(body, TARGET_FORMAT)
        schema = (body.get("data") or {}).get("schema")
        if not isinstance(schema, dict) or not isinstance(schema.get("id"), str) or not schema["id"]:
            raise ConnectionRequestError(
                'data.schema.id is required: {"id": "<XDM schema $id>", '
                '"version": "application/vnd.adobe.xed-full+json;version=1"}'
            )
        schema_id = self._schema_id(schema["id"])
        data["schema"] = {"id": schema["id"], **({"version": schema["version"]} if "version" in schema else {})}
        params = body.get("params")
        dataset_id = params.get("dataSetId") if isinstance(params, dict) else None
        if not isinstance(dataset_id, str) or not dataset_id:
            raise ConnectionRequestError("params.dataSetId is required: the id of a catalog dataset (POST /dataSets)")
        held = self._dataset_schema(dataset_id)
        if held != schema_id:
            raise ConnectionRequestError(
                f"dataset {dataset_id} holds schema {held}, not {schema_id}: use that dataset's schema in "
                "data.schema.id, or a dataset of this schema"
            )
        public["data"] = data
        public["params"] = {"dataSetId": dataset_id}
        return name.strip(), public

    def _schema_id(self, ref: str) -> str:
        try:
            return str(self._platform.registry.get(ref)["$id"])
        except SchemaNotFoundError:
            raise ConnectionRequestError(
                f"data.schema.id {ref!r} is not a schema of the Schema Registry in sandbox "
                f"{self._platform.sandbox_name!r}; create it first (POST /schemaregistry/tenant/schemas)"
            ) from None

    def _dataset_schema(self, dataset_id: str) -> str:
        try:
            dataset = self._platform.catalog.get_dataset(dataset_id)[dataset_id]
        except CatalogNotFoundError:
            raise ConnectionRequestError(
                f"params.dataSetId {dataset_id!r} is not a dataset of the Catalog in sandbox "
                f"{self._platform.sandbox_name!r}; create it first (POST /catalog/dataSets)"
            ) from None
        return str((dataset.get("schemaRef") or {}).get("id"))


def _data_format(body: dict[str, Any], expected: str) -> dict[str, Any]:
    data = body.get("data", {"format": expected})
    if not isinstance(data, dict):
        raise ConnectionRequestError(f'data must be an object such as {{"format": "{expected}"}}')
    given = data.get("format", expected)
    if given != expected:
        raise ConnectionRequestError(f"data.format must be {expected!r} (the only format), got {given!r}")
    return {"format": expected}


def _refuse_unknown(body: dict[str, Any], allowed: Sequence[str], what: str) -> None:
    unknown = sorted(set(body) - set(allowed))
    if unknown:
        raise ConnectionRequestError(f"unknown field(s) {', '.join(unknown)} in the {what}; send {', '.join(allowed)}")


def _in_use(what: str, entity_id: str, users: list[dict[str, str]]) -> str:
    flows = ", ".join(f"{user['id']} ({user['name']!r})" for user in users)
    return f"{what} {entity_id} is used by flow(s) {flows}; delete those flows first (DELETE /flows/{{id}})"

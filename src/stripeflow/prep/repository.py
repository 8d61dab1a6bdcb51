"""Mapping sets in the metadata store (tables ``mapping_sets`` and ``mapping_set_versions``), as Data Prep serves them.

Every body is validated with :func:`~stripeflow.prep.mapping.parse_mapping_set` (either shape) and stored
normalized: both name pairs on every mapping, each mapping with its own ``id`` (32 hex digits, new on every
version). ``replace`` bumps ``version`` and keeps every version (``get(id, version=N)``). Sets are scoped to one
organization and sandbox: another scope's set is "not found".
"""

from __future__ import annotations

import builtins
import uuid
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from stripeflow.prep.mapping import MappingSet, parse_mapping_set
from stripeflow.store.database import Clock, Database
from stripeflow.store.errors import RecordNotFoundError
from stripeflow.store.models import MappingSetRow, MappingSetVersion

SUPPORT_VERSION: Final = "1.1"
#: ``orderBy`` values: the Platform's ``createdDate``/``updatedDate``, with ``+`` (ascending, the default) or ``-``.
_ORDER_COLUMNS: Final = {"createdDate": MappingSetRow.created_at, "updatedDate": MappingSetRow.updated_at}
_MAPPING_FIELDS: Final = (
    "id", "version", "sourceType", "source", "destination", "identity", "primaryIdentity", "identityGroup",
    "namespaceCode", "name", "description", "matchScore", "functionVersion", "sourceAttribute", "destinationXdmPath",
)  # fmt: skip


def new_mapping_id() -> str:
    """32 hex digits without dashes, as the Platform's mapping set and mapping ids."""
    return uuid.uuid4().hex


class MappingSetRepository:
    """CRUD of mapping sets for one organization and sandbox; every call is one short transaction."""

    def __init__(self, db: Database, clock: Clock, org_id: str, sandbox_name: str) -> None:
        self._db = db
        self._clock = clock
        self._org_id = org_id
        self._sandbox = sandbox_name

    def create(self, body: Any, created_by: str | None) -> dict[str, Any]:
        """Store a new set at version 0; the response of ``POST /mappingSets``. Raises ``MappingSetError``."""
        mapping_set = parse_mapping_set(body)
        set_id, now = new_mapping_id(), self._clock()
        stored = _stored_body(mapping_set, set_id, 0)
        row = MappingSetRow(
            id=set_id, org_id=self._org_id, sandbox_name=self._sandbox, name=mapping_set.name, version=0, body=stored,
            created_by=created_by, modified_by=created_by, created_at=now, updated_at=now,
        )  # fmt: skip
        with self._db.writing() as session:
            session.add(row)
            session.flush()
            session.add(MappingSetVersion(id=set_id, version=0, body=stored, created_at=now))
        return _summary(row)

    def get(self, set_id: str, version: int | None = None) -> dict[str, Any]:
        """The full set (``GET /mappingSets/{id}[?version=N]``); raises ``RecordNotFoundError``."""
        with self._db.reading() as session:
            row = self._row(session, set_id)
            body = row.body
            if version is not None and version != row.version:
                stored = session.get(MappingSetVersion, (set_id, version))
                if stored is None:
                    raise RecordNotFoundError(f"mapping set {set_id} has no version {version} (latest: {row.version})")
                body = stored.body
            return _full(row, body)

    def list(self, limit: int, start: int, name: str | None = None, order_by: str | None = None) -> dict[str, Any]:
        """One page of sets (``GET /mappingSets?limit=&start=``): ``{data, _page{count, limit}}``; ``start`` is the
        offset of the first set (0 is the first page)."""
        if limit < 1 or start < 0:
            raise ValueError("limit must be at least 1 and start at least 0")
        scope = (MappingSetRow.org_id == self._org_id) & (MappingSetRow.sandbox_name == self._sandbox)
        if name is not None:
            scope &= MappingSetRow.name == name
        query = select(MappingSetRow).where(scope).order_by(*_ordering(order_by)).offset(start).limit(limit)
        with self._db.reading() as session:
            rows = session.scalars(query).all()
            total = session.scalar(select(func.count()).select_from(MappingSetRow).where(scope)) or 0
            data = [_full(row, row.body) for row in rows]
        return {"data": data, "_page": {"count": total, "limit": limit}}

    def replace(self, set_id: str, body: Any, modified_by: str | None = None) -> dict[str, Any]:
        """``PUT /mappingSets/{id}``: the next version (every mapping gets a new id); the summary response."""
        mapping_set = parse_mapping_set(body)
        now = self._clock()
        with self._db.writing() as session:
            row = self._row(session, set_id, lock=True)
            row.version += 1
            row.body = _stored_body(mapping_set, set_id, row.version)
            row.name = mapping_set.name
            row.updated_at = now
            if modified_by is not None:
                row.modified_by = modified_by
            session.add(MappingSetVersion(id=set_id, version=row.version, body=row.body, created_at=now))
            return _summary(row)

    def mappings(self, set_id: str) -> builtins.list[dict[str, Any]]:
        """The mapping rows of the current version (``GET /mappingSets/{id}/mappings``)."""
        return [_mapping_row(item) for item in self.get(set_id)["mappings"]]

    def mapping(self, set_id: str, mapping_id: str) -> dict[str, Any]:
        for item in self.mappings(set_id):
            if item["id"] == mapping_id:
                return item
        raise RecordNotFoundError(f"mapping set {set_id} has no mapping {mapping_id}")

    def delete(self, set_id: str) -> None:
        """Delete the set and all its versions; raises ``RecordNotFoundError`` when it does not exist."""
        with self._db.writing() as session:
            row = self._row(session, set_id, lock=True)
            session.execute(delete(MappingSetVersion).where(MappingSetVersion.id == set_id))
            session.delete(row)

    def _row(self, session: Session, set_id: str, *, lock: bool = False) -> MappingSetRow:
        query = select(MappingSetRow).where(
            MappingSetRow.id == set_id,
            MappingSetRow.org_id == self._org_id,
            MappingSetRow.sandbox_name == self._sandbox,
        )
        row = session.scalars(query.with_for_update() if lock else query).one_or_none()
        if row is None:
            raise RecordNotFoundError(f"no mapping set {set_id!r} in sandbox {self._sandbox!r}")
        return row


def _stored_body(mapping_set: MappingSet, set_id: str, version: int) -> dict[str, Any]:
    body = mapping_set.to_body()
    body["id"], body["version"] = set_id, version
    for mapping in body["mappings"]:
        mapping["id"] = new_mapping_id()
        mapping["version"] = version
    return body


def _millis(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def _summary(row: MappingSetRow) -> dict[str, Any]:
    return {
        "id": row.id, "version": row.version, "createdDate": _millis(row.created_at),
        "modifiedDate": _millis(row.updated_at), "createdBy": row.created_by, "modifiedBy": row.modified_by,
    }  # fmt: skip


def _full(row: MappingSetRow, body: dict[str, Any]) -> dict[str, Any]:
    """The documented ``GET`` body (supportVersion, status, strictMapping, allowNullValues, schemaRef ...)."""
    schema_id = body.get("xdmSchema")
    ref = (body.get("outputSchema") or {}).get("schemaRef") or ({"id": schema_id} if schema_id else None)
    return {
        **_summary(row),
        "version": body.get("version", row.version),
        "name": body.get("name"),
        "description": body.get("description"),
        "supportVersion": SUPPORT_VERSION,
        "inputSchema": body.get("inputSchema"),
        "outputSchema": {"id": schema_id, "version": None, "jsonSchema": None, "schemaRef": ref},
        "mappings": body["mappings"],
        "status": "PUBLISHED",
        "strictMapping": False,
        "allowNullValues": False,
        "xdmVersion": body.get("xdmVersion", "1.0"),
        "schemaRef": ref,
        "xdmSchema": schema_id,
    }


def _mapping_row(item: dict[str, Any]) -> dict[str, Any]:
    row = {key: item.get(key) for key in _MAPPING_FIELDS}
    row["primaryIdentity"] = bool(row["primaryIdentity"])
    row["identity"] = bool(row["identity"])
    return row


def _ordering(order_by: str | None) -> list[Any]:
    if order_by is None:
        return [MappingSetRow.created_at, MappingSetRow.id]
    column = _ORDER_COLUMNS.get(order_by.lstrip("+-"))
    if column is None:
        raise ValueError(f"orderBy {order_by!r} is not valid: use createdDate or updatedDate, prefixed + or -")
    direction = column.desc() if order_by.startswith("-") else column.asc()
    return [direction, MappingSetRow.id]

"""Flow Service entities in the metadata store (table ``flow_entities``), one organization and sandbox at a time.

A kind is ``connection``, ``sourceConnection``, ``targetConnection`` or ``flow`` (any short string works). The
columns hold what every entity has (name, state, etag, who and when); ``body`` holds the rest of the public
document and ``secret`` the encrypted credentials, which :func:`document` never shows.

Every update gets a new etag and is a compare-and-set on the one the caller read: a single ``UPDATE ... WHERE
etag = :if_match``, so two writers racing on one etag cannot both win, on SQLite or PostgreSQL.
"""

from __future__ import annotations

import builtins
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from stripeflow.flows.filters import PropertyFilter, parse_property_filters
from stripeflow.flows.jsonpatch import apply_json_patch
from stripeflow.store.columns import ensure_json_object
from stripeflow.store.database import Clock, Database
from stripeflow.store.models import FlowEntity

__all__ = [
    "EntityNotFoundError",
    "EntityRecord",
    "EntityRepository",
    "PreconditionRequiredError",
    "PropertyFilter",
    "StaleEtagError",
    "apply_json_patch",
    "document",
    "new_etag",
    "normalize_etag",
    "parse_property_filters",
    "sandbox_id",
]

#: Keys :func:`document` adds from the columns; they are dropped from a body before it is stored.
READ_ONLY_KEYS: Final = frozenset(
    {
        "id", "name", "state", "etag", "version", "createdAt", "updatedAt", "createdBy", "updatedBy",
        "createdClient", "updatedClient", "sandboxId", "sandboxName", "imsOrgId",
    }
)  # fmt: skip
STATES: Final = ("enabled", "disabled")
_SANDBOX_NAMESPACE: Final = uuid.UUID("6f0e8a52-7c1d-4e0b-9a55-2b4f3c1d9e71")


class EntityNotFoundError(LookupError):
    """No entity of that kind and id in this organization and sandbox."""

    def __init__(self, kind: str, entity_id: str) -> None:
        super().__init__(f"{kind} {entity_id!r} was not found in this organization and sandbox")
        self.kind = kind
        self.entity_id = entity_id


class StaleEtagError(Exception):
    """``If-Match`` names an etag the entity no longer has: read it again, re-apply the change and retry."""

    def __init__(self, supplied: str, current: str, *, entity_id: str = "") -> None:
        super().__init__(f"supplied etag {supplied} does not match the current etag {current} of {entity_id or 'it'}")
        self.entity_id = entity_id
        self.supplied = supplied
        self.current = current


class PreconditionRequiredError(Exception):
    """An update came without ``If-Match``: send the etag of the version the change was made on."""

    def __init__(self, entity_id: str) -> None:
        super().__init__(f"updating {entity_id} needs an If-Match header with its current etag (from GET or create)")
        self.entity_id = entity_id


@dataclass(frozen=True)
class EntityRecord:
    """One stored entity; ``secret`` is ciphertext (see :mod:`stripeflow.access.secrets`)."""

    id: str
    kind: str
    name: str
    state: str
    etag: str
    parent_id: str | None
    body: dict[str, Any]
    secret: bytes | None
    created_at: datetime
    updated_at: datetime
    created_by: str
    updated_by: str
    created_client: str
    updated_client: str
    org_id: str
    sandbox_name: str


def new_etag() -> str:
    """An opaque etag that itself contains double quotes, as the Platform's: ``"\\"<uuid>\\""``."""
    return f'"{uuid.uuid4()}"'


def normalize_etag(value: str) -> str:
    """The etag without surrounding whitespace, a weak ``W/`` prefix or the inner quotes."""
    text = value.strip()
    if text.startswith("W/"):
        text = text[2:]
    return text.strip().strip('"')


def sandbox_id(org_id: str, sandbox_name: str) -> str:
    """A stable id for an organization's sandbox (stripeflow names sandboxes; the Platform also gives ids)."""
    return str(uuid.uuid5(_SANDBOX_NAMESPACE, f"{org_id}/{sandbox_name}"))


def document(record: EntityRecord) -> dict[str, Any]:
    """The entity as ``GET`` shows it: the body plus id, name, state, etag, ``version`` (the etag), epoch-ms times,
    who created and updated it, and its sandbox and organization. Never the secret."""
    return {
        "id": record.id,
        "name": record.name,
        **record.body,
        "state": record.state,
        "etag": record.etag,
        "version": record.etag,
        "createdAt": _epoch_ms(record.created_at),
        "updatedAt": _epoch_ms(record.updated_at),
        "createdBy": record.created_by,
        "updatedBy": record.updated_by,
        "createdClient": record.created_client,
        "updatedClient": record.updated_client,
        "sandboxId": sandbox_id(record.org_id, record.sandbox_name),
        "sandboxName": record.sandbox_name,
        "imsOrgId": record.org_id,
    }


class EntityRepository:
    """CRUD of the Flow Service entities of one organization and sandbox; each call is one short transaction.

    ``user`` and ``client`` are recorded as ``createdBy``/``updatedBy`` and ``createdClient``/``updatedClient``.
    Another organization's or sandbox's entity is "not found".
    """

    def __init__(self, db: Database, clock: Clock, org_id: str, sandbox_name: str, *, user: str, client: str) -> None:
        self._db = db
        self._clock = clock
        self.org_id = org_id
        self.sandbox_name = sandbox_name
        self._user = user
        self._client = client

    def create(
        self,
        kind: str,
        body: dict[str, Any],
        *,
        name: str,
        parent_id: str | None = None,
        secret: bytes | None = None,
        state: str = "enabled",
    ) -> EntityRecord:
        """Store a new entity with a fresh id and etag. Read-only keys in ``body`` (id, etag, ...) are dropped."""
        _check_state(state)
        stored = _stored_body(body)
        now = self._clock()
        row = FlowEntity(
            id=str(uuid.uuid4()), org_id=self.org_id, sandbox_name=self.sandbox_name, kind=kind, name=name,
            state=state, etag=new_etag(), parent_id=parent_id, body=stored, secret=secret,
            created_by=self._user, updated_by=self._user, created_client=self._client, updated_client=self._client,
            created_at=now, updated_at=now,
        )  # fmt: skip
        with self._db.writing() as session:
            session.add(row)
            session.flush()
            return _record(row)

    def get(self, kind: str, entity_id: str) -> EntityRecord:
        """The entity; :class:`EntityNotFoundError` when this scope has no ``kind`` with that id."""
        with self._db.reading() as session:
            return _record(self._row(session, kind, entity_id))

    def list(
        self, kind: str, *, filters: Sequence[PropertyFilter] = (), limit: int = 100, start: int = 0
    ) -> builtins.list[EntityRecord]:
        """Entities of ``kind``, oldest first, whose :func:`document` matches every filter; ``start`` skips that
        many matches and ``limit`` caps the page."""
        if limit < 1 or start < 0:
            raise ValueError(f"limit must be at least 1 and start at least 0 (got limit={limit}, start={start})")
        query = select(FlowEntity).where(self._scope(kind)).order_by(FlowEntity.created_at, FlowEntity.id)
        with self._db.reading() as session:
            records = [_record(row) for row in session.scalars(query)]
        if filters:
            records = [record for record in records if all(item.matches(document(record)) for item in filters)]
        return records[start : start + limit]

    def children(self, kind: str, parent_id: str) -> builtins.list[EntityRecord]:
        """The entities of ``kind`` whose ``parent_id`` is ``parent_id`` (a base connection's source connections)."""
        query = (
            select(FlowEntity)
            .where(self._scope(kind), FlowEntity.parent_id == parent_id)
            .order_by(FlowEntity.created_at, FlowEntity.id)
        )
        with self._db.reading() as session:
            return [_record(row) for row in session.scalars(query)]

    def update(
        self,
        kind: str,
        entity_id: str,
        *,
        if_match: str | None,
        body: dict[str, Any] | None = None,
        name: str | None = None,
        state: str | None = None,
        secret: bytes | None = None,
    ) -> EntityRecord:
        """Change the given fields (``None`` keeps one) if the entity still has the etag ``if_match`` (with or without
        the inner quotes); the result has a new etag. :class:`PreconditionRequiredError` without ``if_match``,
        :class:`StaleEtagError` when another update came first, :class:`EntityNotFoundError` when it is gone."""
        if if_match is None or not normalize_etag(if_match):
            raise PreconditionRequiredError(entity_id)
        if state is not None:
            _check_state(state)
        values: dict[str, Any] = {
            "etag": new_etag(),
            "updated_at": self._clock(),
            "updated_by": self._user,
            "updated_client": self._client,
        }
        if body is not None:
            values["body"] = _stored_body(body)
        if name is not None:
            values["name"] = name
        if state is not None:
            values["state"] = state
        if secret is not None:
            values["secret"] = secret
        supplied = f'"{normalize_etag(if_match)}"'
        with self._db.writing() as session:
            result = session.execute(
                update(FlowEntity)
                .where(self._scope(kind), FlowEntity.id == entity_id, FlowEntity.etag == supplied)
                .values(**values)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                current = self._row(session, kind, entity_id)
                raise StaleEtagError(if_match, current.etag, entity_id=entity_id)
            return _record(self._row(session, kind, entity_id))

    def delete(self, kind: str, entity_id: str) -> None:
        """Delete the entity; :class:`EntityNotFoundError` when this scope has no such entity."""
        with self._db.writing() as session:
            result = session.execute(
                delete(FlowEntity)
                .where(self._scope(kind), FlowEntity.id == entity_id)
                .execution_options(synchronize_session=False)
            )
            if getattr(result, "rowcount", 0) != 1:
                raise EntityNotFoundError(kind, entity_id)

    def _scope(self, kind: str) -> Any:
        return (
            (FlowEntity.org_id == self.org_id)
            & (FlowEntity.sandbox_name == self.sandbox_name)
            & (FlowEntity.kind == kind)
        )

    def _row(self, session: Session, kind: str, entity_id: str) -> FlowEntity:
        row = session.scalars(select(FlowEntity).where(self._scope(kind), FlowEntity.id == entity_id)).one_or_none()
        if row is None:
            raise EntityNotFoundError(kind, entity_id)
        return row


def _check_state(state: str) -> None:
    if state not in STATES:
        raise ValueError(f"state must be one of {', '.join(STATES)}, not {state!r}")


def _stored_body(body: dict[str, Any]) -> dict[str, Any]:
    ensure_json_object(body, "an entity body")
    return {key: value for key, value in body.items() if key not in READ_ONLY_KEYS}


def _record(row: FlowEntity) -> EntityRecord:
    return EntityRecord(
        id=row.id, kind=row.kind, name=row.name, state=row.state, etag=row.etag, parent_id=row.parent_id,
        body=dict(row.body), secret=row.secret, created_at=row.created_at, updated_at=row.updated_at,
        created_by=row.created_by, updated_by=row.updated_by, created_client=row.created_client,
        updated_client=row.updated_client, org_id=row.org_id, sandbox_name=row.sandbox_name,
    )  # fmt: skip


def _epoch_ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)

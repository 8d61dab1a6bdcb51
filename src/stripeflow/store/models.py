"""The metadata tables as typed SQLAlchemy models.

These describe the schema that the migrations in ``store/migrations/versions`` create: a change here needs a new
migration (``python -m stripeflow.store revision -m "..."`` writes one by comparing the two), and
``tests/store/test_migrations.py`` fails when they disagree.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, ForeignKey, Index, Integer, LargeBinary, MetaData, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from stripeflow.store.columns import UtcDateTime, json_type
from stripeflow.store.records import JsonObject

#: Stable constraint names, so that later migrations (and SQLite batch mode) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class ResourceState(Base):
    """One row per (account, resource): the extraction engine's sync state."""

    __tablename__ = "resource_states"

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    livemode: Mapped[bool | None] = mapped_column(Boolean)  # None: not given by the engine yet
    phase: Mapped[str] = mapped_column(String(64))
    state: Mapped[JsonObject | None] = mapped_column(json_type())  # None: nothing committed yet
    checkpoint_seq: Mapped[int] = mapped_column(BigInteger)
    pending_seq: Mapped[int | None] = mapped_column(BigInteger)
    pending_state: Mapped[JsonObject | None] = mapped_column(json_type())
    pending_phase: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class SeenEvent(Base):
    """An event already applied, kept while it can still come back in the events overlap window."""

    __tablename__ = "seen_events"
    __table_args__ = (Index(None, "account_id", "resource", "created"),)

    account_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    resource: Mapped[str] = mapped_column(String(64), primary_key=True)
    event_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    created: Mapped[int] = mapped_column(BigInteger)  # the event's Unix time


class Sync(Base):
    """One sync command."""

    __tablename__ = "syncs"
    __table_args__ = (Index(None, "status"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    account_id: Mapped[str] = mapped_column(String(255))
    livemode: Mapped[bool] = mapped_column(Boolean)
    status: Mapped[str] = mapped_column(String(16))
    resources: Mapped[list[str]] = mapped_column(json_type())
    options: Mapped[JsonObject] = mapped_column(json_type())
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())  # heartbeat: touched by batch progress
    note: Mapped[str | None] = mapped_column(Text)


class Batch(Base):
    """One resource's load within a sync."""

    __tablename__ = "batches"
    __table_args__ = (
        Index(None, "resource", "id"),
        Index(None, "sync_id"),
        Index(None, "status"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID: sorts by start time
    sync_id: Mapped[str] = mapped_column(ForeignKey("syncs.id", ondelete="CASCADE"))
    account_id: Mapped[str] = mapped_column(String(255))
    resource: Mapped[str] = mapped_column(String(64))
    mode: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    records: Mapped[int] = mapped_column(BigInteger)
    deleted: Mapped[int] = mapped_column(BigInteger)
    requests: Mapped[int] = mapped_column(BigInteger)
    throttled: Mapped[int] = mapped_column(Integer)
    retries: Mapped[int] = mapped_column(Integer)
    started_at: Mapped[datetime] = mapped_column(UtcDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    error: Mapped[str | None] = mapped_column(Text)
    dataset_path: Mapped[str | None] = mapped_column(Text)
    dataset_version: Mapped[int | None] = mapped_column(BigInteger)


# --- Schema Registry (stripeflow.xdm) -------------------------------------------------------------------------------


class XdmResource(Base):
    """A class, field group, data type or schema of the Schema Registry, at its current revision.

    Scoped by organization and sandbox; ``id`` is the resource's ``$id`` URI and ``alt_id`` its ``meta:altId``.
    ``body`` is the stored document (``$ref``/``allOf`` kept, as the ``xed`` form returns it).
    """

    __tablename__ = "xdm_resources"
    __table_args__ = (
        Index(None, "org_id", "sandbox_name", "alt_id", unique=True),
        Index(None, "org_id", "sandbox_name", "kind"),
    )

    org_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    sandbox_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    alt_id: Mapped[str] = mapped_column(String(512))
    kind: Mapped[str] = mapped_column(String(16))  # class | fieldgroup | datatype | schema
    container: Mapped[str] = mapped_column(String(16))  # global | tenant
    title: Mapped[str] = mapped_column(Text)
    version: Mapped[str] = mapped_column(String(16))  # "1.0", "1.1", ... (the document's ``version``)
    revision: Mapped[int] = mapped_column(Integer)  # 1, 2, ...: one per stored change
    body: Mapped[JsonObject] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class XdmResourceRevision(Base):
    """Every stored revision of a Schema Registry resource (the current one included)."""

    __tablename__ = "xdm_resource_revisions"

    org_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    sandbox_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(512), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, primary_key=True)
    version: Mapped[str] = mapped_column(String(16))
    body: Mapped[JsonObject] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class XdmDescriptor(Base):
    """A descriptor (``xdm:descriptorIdentity`` and others) attached to a schema."""

    __tablename__ = "xdm_descriptors"
    __table_args__ = (Index(None, "org_id", "sandbox_name", "source_schema"),)

    org_id: Mapped[str] = mapped_column(String(255), primary_key=True)
    sandbox_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # the ``@id``
    type: Mapped[str] = mapped_column(String(64))  # the ``@type``
    source_schema: Mapped[str] = mapped_column(String(512))
    body: Mapped[JsonObject] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- Data Prep (stripeflow.prep) ------------------------------------------------------------------------------------


class MappingSetRow(Base):
    """A mapping set at its current version; ``body`` is the normalized set (both name pairs on each mapping)."""

    __tablename__ = "mapping_sets"
    __table_args__ = (Index(None, "org_id", "sandbox_name", "created_at"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)  # 32 hex digits, no dashes
    org_id: Mapped[str] = mapped_column(String(255))
    sandbox_name: Mapped[str] = mapped_column(String(64))
    name: Mapped[str | None] = mapped_column(Text)
    version: Mapped[int] = mapped_column(Integer)  # 0, 1, ...: PUT bumps it
    body: Mapped[JsonObject] = mapped_column(json_type())
    created_by: Mapped[str | None] = mapped_column(String(255))
    modified_by: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class MappingSetVersion(Base):
    """Every version of a mapping set (``GET /mappingSets/{id}?version=N``)."""

    __tablename__ = "mapping_set_versions"

    id: Mapped[str] = mapped_column(ForeignKey("mapping_sets.id", ondelete="CASCADE"), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    body: Mapped[JsonObject] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- Catalog (stripeflow.lake.catalog) ------------------------------------------------------------------------------


class CatalogDataset(Base):
    """A dataset bound to an XDM schema: one Delta table (``path``) plus its row-error diagnostics."""

    __tablename__ = "catalog_datasets"
    __table_args__ = (Index(None, "org_id", "sandbox_name", "name"),)

    id: Mapped[str] = mapped_column(String(24), primary_key=True)  # 24 hex digits
    org_id: Mapped[str] = mapped_column(String(255))
    sandbox_name: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(Text)
    description: Mapped[str | None] = mapped_column(Text)
    schema_id: Mapped[str] = mapped_column(String(512))
    schema_content_type: Mapped[str] = mapped_column(String(128))
    path: Mapped[str] = mapped_column(Text)
    tags: Mapped[JsonObject] = mapped_column(json_type())
    state: Mapped[JsonObject] = mapped_column(json_type())  # e.g. the source watermark of promotions
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class CatalogBatch(Base):
    """A batch into a catalog dataset: ``loading`` then ``success``, ``failed`` or ``aborted``, with metrics."""

    __tablename__ = "catalog_batches"
    __table_args__ = (
        Index(None, "dataset_id", "id"),
        Index(None, "status"),
    )

    id: Mapped[str] = mapped_column(String(26), primary_key=True)  # ULID
    dataset_id: Mapped[str] = mapped_column(ForeignKey("catalog_datasets.id", ondelete="CASCADE"))
    org_id: Mapped[str] = mapped_column(String(255))
    sandbox_name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    tags: Mapped[JsonObject] = mapped_column(json_type())
    input_format: Mapped[str] = mapped_column(String(32))
    metrics: Mapped[JsonObject] = mapped_column(json_type())
    errors: Mapped[list[JsonObject]] = mapped_column(json_type())
    source_batch_id: Mapped[str | None] = mapped_column(String(26))  # the extraction batch it maps
    run_id: Mapped[str | None] = mapped_column(String(64))  # the flow run that made it
    dataset_version: Mapped[int | None] = mapped_column(BigInteger)
    diagnostics_path: Mapped[str | None] = mapped_column(Text)
    diagnostics_expire_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


# --- Flow Service (stripeflow.flows) --------------------------------------------------------------------------------


class FlowEntity(Base):
    """A base connection, source connection, target connection or flow of the Flow Service.

    ``body`` is the public document (never a secret); ``secret`` the encrypted auth params of a base connection.
    ``etag`` changes on every update (``If-Match`` is checked against it).
    """

    __tablename__ = "flow_entities"
    __table_args__ = (
        Index(None, "org_id", "sandbox_name", "kind", "created_at"),
        Index(None, "parent_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    org_id: Mapped[str] = mapped_column(String(255))
    sandbox_name: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # connection | sourceConnection | targetConnection | flow
    name: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(16))  # enabled | disabled
    etag: Mapped[str] = mapped_column(String(64))
    parent_id: Mapped[str | None] = mapped_column(String(36))  # a source connection's base connection
    body: Mapped[JsonObject] = mapped_column(json_type())
    secret: Mapped[bytes | None] = mapped_column(LargeBinary)
    created_by: Mapped[str] = mapped_column(String(255))
    updated_by: Mapped[str] = mapped_column(String(255))
    created_client: Mapped[str] = mapped_column(String(255))
    updated_client: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class FlowRun(Base):
    """One run of a flow: its window, status and the run document (metrics, activities)."""

    __tablename__ = "flow_runs"
    __table_args__ = (
        Index(None, "flow_id", "created_at"),
        Index(None, "status"),
        Index(None, "org_id", "sandbox_name", "created_at"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flow_id: Mapped[str] = mapped_column(ForeignKey("flow_entities.id", ondelete="CASCADE"))
    org_id: Mapped[str] = mapped_column(String(255))
    sandbox_name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # scheduled | inProgress | success | failed | cancelled
    etag: Mapped[str] = mapped_column(String(64))
    scheduled_for: Mapped[datetime] = mapped_column(UtcDateTime())
    window_start: Mapped[datetime | None] = mapped_column(UtcDateTime())
    window_end: Mapped[datetime | None] = mapped_column(UtcDateTime())
    started_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    completed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    heartbeat_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    body: Mapped[JsonObject] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())


class AlertDelivery(Base):
    """A run alert (start, success, failure) sent, or being retried, to a flow's webhook."""

    __tablename__ = "alert_deliveries"
    __table_args__ = (Index(None, "flow_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    flow_id: Mapped[str] = mapped_column(ForeignKey("flow_entities.id", ondelete="CASCADE"))
    run_id: Mapped[str | None] = mapped_column(String(36))
    event: Mapped[str] = mapped_column(String(64))  # sources_flow_run_start | _success | _failure
    url: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # pending | delivered | failed
    attempts: Mapped[int] = mapped_column(Integer)
    response_status: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(Text)
    payload: Mapped[JsonObject] = mapped_column(json_type())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())

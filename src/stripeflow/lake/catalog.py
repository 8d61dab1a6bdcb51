"""The Catalog: datasets bound to XDM schemas and the batches that load them, as Experience Platform's Catalog
service and export service show them (``/dataSets``, ``/batches``, ``/export/batches/{id}/meta``).

A catalog dataset is a Delta table at ``<root>/<dataset id>/table`` with the columns of its XDM schema
(:mod:`stripeflow.lake.xdm_arrow`) and one row per source record: batches upsert by ``_source_id`` (the Stripe
id) rather than append as the Platform does, because users of a current-state dataset want one row per object;
a deletion marks the row ``_deleted``. Row-error diagnostics live beside it, at
``<root>/<dataset id>/diagnostics/<batch id>/`` (:mod:`stripeflow.lake.diagnostics`). How a batch runs and
recovers: :mod:`stripeflow.lake.catalog_batches`.

A ``Catalog`` is scoped to one organization and sandbox; one process at a time writes batches into a dataset.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa

from stripeflow.lake import diagnostics, frames
from stripeflow.lake.catalog_batches import BatchLoader, BatchResult, LoadPlan
from stripeflow.lake.catalog_repository import (
    BatchCommittingError,
    BatchRecord,
    BatchStatus,
    CatalogNotFoundError,
    CatalogRepository,
    DatasetRecord,
    batch_body,
    dataset_body,
    new_dataset_id,
)
from stripeflow.lake.catalog_summary import Policy
from stripeflow.lake.diagnostics import DiagnosticsWriter
from stripeflow.lake.promotion import ColumnarMapper, RecordMapper, Validator, raw_chunks, record_chunks
from stripeflow.lake.xdm_arrow import SchemaError, XdmColumns
from stripeflow.store.database import Clock, Database
from stripeflow.store.records import JsonObject

XED_CONTENT_TYPE = "application/vnd.adobe.xed+json;version=1"
#: Prefix of the ``_links.self.href`` of diagnostics listings (the export service's path).
EXPORT_BASE = "/data/foundation/export"

__all__ = [
    "BatchCommittingError",
    "BatchResult",
    "BatchStatus",
    "Catalog",
    "CatalogNotFoundError",
    "ColumnarMapper",
    "RecordMapper",
    "SchemaError",
    "Validator",
]


class Catalog:
    """Datasets, batches, promotion and diagnostics of one organization and sandbox."""

    def __init__(
        self,
        db: Database,
        root: Path,
        clock: Clock,
        org_id: str,
        sandbox_name: str,
        retention_days: int = 30,
        *,
        export_base: str = EXPORT_BASE,
    ) -> None:
        self.root = Path(root)
        self.org_id = org_id
        self._clock = clock
        self._repo = CatalogRepository(db, clock, org_id, sandbox_name)
        self._loader = BatchLoader(self._repo, self.root, clock, timedelta(days=retention_days))
        self._export_base = export_base.rstrip("/")

    # -- datasets -------------------------------------------------------------------------------------------------

    def create_dataset(
        self,
        name: str,
        schema_id: str,
        schema_content_type: str = XED_CONTENT_TYPE,
        description: str | None = None,
        tags: JsonObject | None = None,
        *,
        resolved_schema: Mapping[str, Any] | None = None,
    ) -> str:
        """Record a dataset and return its id (24 hex digits; ``POST /dataSets`` answers ``["@/dataSets/{id}"]``).
        With ``resolved_schema`` the (empty) table is created now, else by the first batch."""
        dataset_id = new_dataset_id(self._clock())
        path = self.root / dataset_id / "table"
        columns = None if resolved_schema is None else XdmColumns(resolved_schema)  # refuse a bad schema first
        fields = {
            "name": name,
            "description": description,
            "schema_id": schema_id,
            "schema_content_type": schema_content_type,
            "path": str(path),
            "tags": dict(tags or {}),
        }
        record = self._repo.add_dataset(dataset_id, fields)
        if columns is not None:
            self._loader.prepare_table(record, columns)
        return dataset_id

    def get_dataset(self, dataset_id: str) -> dict[str, Any]:
        """``GET /dataSets/{id}``: ``{id: {name, description, schemaRef, created, updated, tags, ...}}``."""
        record = self._repo.dataset(dataset_id)
        return {dataset_id: self._dataset_body(record)}

    def list_datasets(
        self,
        limit: int = 50,
        start: int = 0,
        *,
        name: str | None = None,
        schema_id: str | None = None,
        properties: Iterable[str] | None = None,
    ) -> dict[str, Any]:
        """``GET /dataSets``: ``{id: {...}}``, newest first; ``name``/``schema_id`` filter, ``properties`` keeps only
        those fields of each dataset."""
        records = self._repo.datasets(limit=min(limit, 100), start=start, name=name, schema_id=schema_id)
        wanted = None if properties is None else set(properties)
        found: dict[str, Any] = {}
        for record in records:
            body = self._dataset_body(record)
            found[record.id] = body if wanted is None else {key: body[key] for key in body if key in wanted}
        return found

    def update_dataset(
        self,
        dataset_id: str,
        *,
        name: str | None = None,
        description: str | None = None,
        tags: JsonObject | None = None,
    ) -> dict[str, Any]:
        """Change a dataset's name, description or tags (``None`` keeps them); its new body."""
        given = {"name": name, "description": description, "tags": None if tags is None else dict(tags)}
        record = self._repo.update_dataset(
            dataset_id, {key: value for key, value in given.items() if value is not None}
        )
        return {dataset_id: self._dataset_body(record)}

    def delete_dataset(self, dataset_id: str) -> None:
        """Delete a dataset: its record, its batches, its table and its diagnostics."""
        self._repo.delete_dataset(dataset_id)
        shutil.rmtree(self.root / dataset_id, ignore_errors=True)

    def _dataset_body(self, record: DatasetRecord) -> dict[str, Any]:
        last = self._repo.batches(dataset_id=record.id, status=None, limit=1, start=0)
        return dataset_body(record, self.org_id, last[0] if last else None)

    # -- batches --------------------------------------------------------------------------------------------------

    def create_batch(
        self,
        dataset_id: str,
        tags: JsonObject | None = None,
        source_batch_id: str | None = None,
        run_id: str | None = None,
        *,
        input_format: str = "json",
    ) -> str:
        """Open a ``loading`` batch (filled by :meth:`ingest` with ``batch_id``); its id, a ULID."""
        policy = Policy.from_tags(tags or {})  # checks the threshold
        batch_tags = {**dict(tags or {}), **policy.tags()}
        return self._repo.add_batch(dataset_id, batch_tags, input_format, source_batch_id, run_id).id

    def get_batch(self, batch_id: str) -> dict[str, Any]:
        """``GET /batches/{id}``: ``{id: {status, tags, relatedObjects, inputFormat, metrics, errors, ...}}``."""
        return {batch_id: batch_body(self._repo.batch(batch_id), self.org_id)}

    def list_batches(
        self, dataset_id: str | None = None, status: str | None = None, limit: int = 50, start: int = 0
    ) -> dict[str, Any]:
        """``GET /batches``: ``{id: {...}}``, newest first."""
        records = self._repo.batches(dataset_id=dataset_id, status=status, limit=min(limit, 100), start=start)
        return {record.id: batch_body(record, self.org_id) for record in records}

    def abort_batch(self, batch_id: str) -> dict[str, Any]:
        """Abort a ``loading`` batch (its staged rows are deleted); a finished batch is left as it is. Raises
        :class:`~stripeflow.lake.catalog_repository.BatchCommittingError` once the batch is being committed."""
        self._loader.abort(batch_id, "aborted by the client")
        return self.get_batch(batch_id)

    def recover(self, dataset_id: str) -> list[str]:
        """Settle the batches a stopped process left ``loading`` (promotion and ingestion call it first)."""
        return self._loader.recover(dataset_id)

    # -- loading --------------------------------------------------------------------------------------------------

    def promote(
        self,
        dataset_id: str,
        source: Path,
        mapper: RecordMapper,
        resolved_schema: Mapping[str, Any],
        *,
        error_threshold_percent: float | None,
        diagnostics: bool = True,
        source_batch_id: str | None = None,
        run_id: str | None = None,
        columnar: ColumnarMapper | None = None,
    ) -> BatchResult:
        """Promote the raw rows of the Delta table ``source`` written since the dataset's last promotion from it:
        each raw record, as ``{"data": record}``, is mapped by ``mapper``; good rows are upserted by id and raw
        deletions mark their row deleted, all in one commit when the batch succeeds.

        ``error_threshold_percent`` turns partial ingestion on (and diagnostics with it): the batch fails when more
        than that share of its rows fail; ``None``: any failed row fails the batch. ``columnar``: the same mapping
        set's columnar plan (``stripeflow.prep.columnar``), which maps from the raw table's typed columns the rows
        it can map exactly as ``mapper`` does, and leaves the others to ``mapper``."""
        source = Path(source)
        plan = LoadPlan(
            columns=XdmColumns(resolved_schema),
            policy=Policy.of(error_threshold_percent, diagnostics),
            mapper=mapper,
            validator=None,
            wrap=True,
            operation="promote",
            source_key=str(source.resolve()),
            source_batch_id=source_batch_id,
            run_id=run_id,
            columnar=columnar,
        )

        def read(writer: DiagnosticsWriter, after: datetime | None) -> Iterable[Any]:
            return raw_chunks(source, after, writer, columnar)

        return self._loader.load(self._repo.dataset(dataset_id), read, plan)

    def ingest(
        self,
        dataset_id: str,
        records: Iterable[Mapping[str, Any]],
        mapper: RecordMapper | None,
        resolved_schema: Mapping[str, Any],
        *,
        validator: Validator | None = None,
        error_threshold_percent: float | None = None,
        diagnostics: bool = True,
        key: str = "_id",
        filename: str = "records.json",
        batch_id: str | None = None,
        source_batch_id: str | None = None,
        run_id: str | None = None,
    ) -> BatchResult:
        """Load ``records`` supplied directly (e.g. a user's file): mapped by ``mapper`` as they are, or, without
        one, validated by ``validator`` as XDM rows. Each record's ``key`` field is its ``_source_id`` (rows
        without one get a random id, so they are appended). ``batch_id`` fills a batch made by
        :meth:`create_batch` (its tags then set the threshold and diagnostics)."""
        plan = LoadPlan(
            columns=XdmColumns(resolved_schema),
            policy=Policy.of(error_threshold_percent, diagnostics),
            mapper=mapper,
            validator=validator,
            wrap=False,
            operation="ingest",
            source_batch_id=source_batch_id,
            run_id=run_id,
            batch_id=batch_id,
        )

        def read(writer: DiagnosticsWriter, after: datetime | None) -> Iterable[Any]:
            length = 0
            for chunk in record_chunks(records, key, filename):
                length += sum(len(text.encode()) for text in chunk.texts)
                yield chunk
            writer.input_file(filename, length, filename)

        return self._loader.load(self._repo.dataset(dataset_id), read, plan)

    # -- diagnostics ----------------------------------------------------------------------------------------------

    def row_errors(self, batch_id: str, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
        """The batch's error rows ``{"_corrupt_record", "_errors", "_filename"}`` (none once purged)."""
        folder = self._diagnostics(self._repo.batch(batch_id))
        return [] if folder is None else diagnostics.read_row_errors(folder, limit, offset)

    def batch_files(self, batch_id: str, path: str) -> dict[str, Any]:
        """``GET /export/batches/{id}/meta?path=``: ``input_files``, ``row_errors`` or ``row_error_samples.json``
        → ``{data[{name, length, _links{self{href}}}], _page{limit, count}}``."""
        folder = self._diagnostics(self._repo.batch(batch_id))
        href = f"{self._export_base}/batches/{batch_id}/meta?path="
        if folder is None:
            diagnostics.check_path(path)
            return {"data": [], "_page": {"limit": diagnostics.PAGE_LIMIT, "count": 0}}
        return diagnostics.listing(folder, path, href)

    def batch_file(self, batch_id: str, path: str) -> bytes | None:
        """The content behind a listed file (``row_errors/conversion_errors_0.json`` ...); ``None`` if absent."""
        folder = self._diagnostics(self._repo.batch(batch_id))
        return None if folder is None else diagnostics.read_file(folder, path)

    def purge_expired_diagnostics(self, now: datetime | None = None) -> list[str]:
        """Delete the diagnostics of batches whose retention ended by ``now``; their ids. The batches keep their
        metrics and error summary."""
        purged = []
        for batch in self._repo.expired_diagnostics(now or self._clock()):
            if batch.diagnostics_path is not None:
                diagnostics.purge(Path(batch.diagnostics_path))
            self._repo.forget_diagnostics(batch.id)
            purged.append(batch.id)
        return purged

    def _diagnostics(self, batch: BatchRecord) -> Path | None:
        return None if batch.diagnostics_path is None else Path(batch.diagnostics_path)

    # -- reading --------------------------------------------------------------------------------------------------

    def table_path(self, dataset_id: str) -> Path:
        """The folder of the dataset's Delta table, for engines that read Delta (Polars, DuckDB, Spark)."""
        return Path(self._repo.dataset(dataset_id).path)

    def read_dataset(self, dataset_id: str, *, include_deleted: bool = False) -> pa.Table:
        """The dataset's rows (without those marked deleted, unless asked); empty with the system columns when no
        batch has made its table yet."""
        return frames.to_arrow(self.table_path(dataset_id), include_deleted=include_deleted)

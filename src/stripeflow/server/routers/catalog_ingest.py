"""Batch ingestion of XDM rows into a dataset, as the Platform's batch ingestion API does it:

1. ``POST /batches`` ``{"datasetId", "inputFormat": {"format": "json"}, "tags"?, "partialIngestionPercent"?,
   "enableErrorDiagnostics"?}`` opens a ``loading`` batch (201, the batch);
2. ``POST /batches/{id}/rows`` (a JSON array or JSON Lines of XDM rows, repeatable) stages rows;
3. ``POST /batches/{id}?action=COMPLETE`` validates the staged rows against the dataset's schema and loads them
   (partial ingestion per the batch's tags), or ``?action=ABORT`` drops them.

Staged rows wait in ``<catalog dir>/<dataset id>/uploads/<batch id>/rows.json`` (deleted with the dataset).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import BaseModel, ConfigDict, Field

from stripeflow.lake.catalog import CatalogNotFoundError, Validator
from stripeflow.lake.catalog_summary import DIAGNOSTICS_TAG, PARTIAL_TAG
from stripeflow.lake.promotion import RowError
from stripeflow.platform import Platform
from stripeflow.prep.validation import compile_validator
from stripeflow.server.deps import PlatformDep
from stripeflow.server.problems import ApiError, bad_request, conflict
from stripeflow.server.routers.schema_refs import resolve_schema

router = APIRouter()

#: The one input file an API batch has; every ``POST /batches/{id}/rows`` appends to it.
STAGED_FILE = "rows.json"
#: At most this many bad rows are named in the 400 of an upload.
SHOWN_PROBLEMS = 10


class Action(StrEnum):
    COMPLETE = "COMPLETE"
    ABORT = "ABORT"


class InputFormat(BaseModel):
    format: str = "json"


class BatchCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    datasetId: str = Field(min_length=1)
    inputFormat: InputFormat = InputFormat()
    tags: dict[str, Any] | None = None
    partialIngestionPercent: float | None = Field(None, ge=0, le=100)
    enableErrorDiagnostics: bool | None = None

    def batch_tags(self) -> dict[str, Any]:
        tags = dict(self.tags or {})
        if self.partialIngestionPercent is not None:
            tags[PARTIAL_TAG] = self.partialIngestionPercent
        if self.enableErrorDiagnostics is not None:
            tags[DIAGNOSTICS_TAG] = self.enableErrorDiagnostics
        return tags


@router.post("/batches", status_code=201, summary="Open a loading batch for a dataset")
def create_batch(body: BatchCreate, platform: PlatformDep) -> dict[str, Any]:
    if body.inputFormat.format.lower() != "json":
        raise bad_request(f"inputFormat.format {body.inputFormat.format!r} is not supported: use json")
    catalog = platform.catalog
    try:
        catalog.get_dataset(body.datasetId)
    except CatalogNotFoundError:
        raise bad_request(f"datasetId {body.datasetId!r} is not a dataset of this organization and sandbox") from None
    open_batches = catalog.list_batches(body.datasetId, "loading", limit=1)
    if open_batches:
        (open_id,) = open_batches
        raise conflict(
            f"dataset {body.datasetId} already has the loading batch {open_id}: complete or abort it first "
            f"(POST /data/foundation/catalog/batches/{open_id}?action=COMPLETE or ?action=ABORT)"
        )
    try:
        batch_id = catalog.create_batch(body.datasetId, body.batch_tags())
    except ValueError as exc:  # the threshold tag is not a percentage
        raise bad_request(f"tags.{PARTIAL_TAG}: {exc}") from None
    body_out: dict[str, Any] = catalog.get_batch(batch_id)[batch_id]
    return body_out


@router.post("/batches/{batch_id}/rows", summary="Stage XDM rows (a JSON array or JSON Lines) in a loading batch")
async def upload_rows(batch_id: str, request: Request, platform: PlatformDep) -> dict[str, Any]:
    content = await request.body()
    return await run_in_threadpool(_stage_rows, platform, batch_id, content)


def _stage_rows(platform: Platform, batch_id: str, content: bytes) -> dict[str, Any]:
    batch = _loading_batch(platform, batch_id, "uploading rows")
    rows = parse_rows(content)
    staged = _staged_file(platform, batch)
    staged.parent.mkdir(parents=True, exist_ok=True)
    with staged.open("ab") as handle:
        handle.write(b"".join(orjson.dumps(row) + b"\n" for row in rows))
    return {"id": batch_id, "status": batch["status"], "rows": len(rows), "file": STAGED_FILE}


@router.post("/batches/{batch_id}", summary="Complete (load the staged rows) or abort a loading batch")
def batch_action(
    batch_id: str,
    platform: PlatformDep,
    action: Annotated[Action | None, Query(description="COMPLETE or ABORT")] = None,
) -> dict[str, Any]:
    if action is None:
        raise bad_request("the action query parameter is required: ?action=COMPLETE or ?action=ABORT")
    batch = _loading_batch(platform, batch_id, f"action={action.value}")
    staged = _staged_file(platform, batch)
    try:
        if action is Action.ABORT:
            return platform.catalog.abort_batch(batch_id)
        if not staged.is_file():
            detail = f"no rows were uploaded to batch {batch_id}: POST them to /batches/{batch_id}/rows first"
            raise ApiError(400, "133", detail)
        dataset_id = _dataset_id(batch)
        schema_id = platform.catalog.get_dataset(dataset_id)[dataset_id]["schemaRef"]["id"]
        resolved = resolve_schema(platform, schema_id, "the dataset's schemaRef.id")
        platform.catalog.ingest(
            dataset_id,
            _read_rows(staged),
            None,
            resolved,
            validator=_xdm_validator(resolved),
            batch_id=batch_id,
            filename=STAGED_FILE,
        )
        return platform.catalog.get_batch(batch_id)
    finally:
        if action is Action.ABORT or platform.catalog.get_batch(batch_id)[batch_id]["status"] != "loading":
            shutil.rmtree(staged.parent, ignore_errors=True)


def parse_rows(content: bytes) -> list[dict[str, Any]]:
    """The rows of an upload: a JSON array, or JSON Lines (one object a line; blank lines skipped). A 400 names
    the lines (or array items) that are not JSON objects."""
    text = content.strip()
    if not text:
        raise bad_request("the body holds no rows: send a JSON array or JSON Lines of XDM rows")
    items: list[Any] = []
    problems: list[str] = []
    if text.startswith(b"["):
        try:
            loaded = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise bad_request(f"the body is not a valid JSON array: {exc}") from None
        items = list(loaded)
        label = "item"
    else:
        label = "line"
        for number, line in enumerate(text.splitlines(), 1):
            if not line.strip():
                continue
            try:
                items.append(orjson.loads(line))
            except orjson.JSONDecodeError as exc:
                problems.append(f"line {number}: not valid JSON ({exc})")
                items.append(None)
    problems += [
        f"{label} {index}: a row must be a JSON object, got {type(item).__name__}"
        for index, item in enumerate(items, 1 if label == "line" else 0)
        if item is not None and not isinstance(item, dict)
    ]
    if problems:
        shown = "; ".join(problems[:SHOWN_PROBLEMS]) + (" ..." if len(problems) > SHOWN_PROBLEMS else "")
        raise bad_request(f"{len(problems)} rows cannot be read: {shown}", report={"problems": problems})
    return [item for item in items if isinstance(item, dict)]


def _loading_batch(platform: Platform, batch_id: str, doing: str) -> dict[str, Any]:
    batch: dict[str, Any] = platform.catalog.get_batch(batch_id)[batch_id]
    if batch["status"] != "loading":
        raise conflict(f"batch {batch_id} is {batch['status']}: {doing} needs a loading batch")
    return batch


def _dataset_id(batch: dict[str, Any]) -> str:
    return str(batch["relatedObjects"][0]["id"])


def _staged_file(platform: Platform, batch: dict[str, Any]) -> Path:
    return platform.catalog.root / _dataset_id(batch) / "uploads" / str(batch["id"]) / STAGED_FILE


def _read_rows(path: Path) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        for line in handle:
            if line.strip():
                yield orjson.loads(line)


def _xdm_validator(schema: dict[str, Any]) -> Validator:
    """The rows' check against the dataset's schema (:func:`~stripeflow.prep.validation.compile_validator`)."""
    check = compile_validator(schema)

    def validate(row: dict[str, Any]) -> list[RowError]:
        return [*check(row)]

    return validate

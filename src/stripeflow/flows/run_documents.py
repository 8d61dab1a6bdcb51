"""Run documents as the Flow Service shows them (``GET /runs/{id}``), and the body a finished run stores.

A finished run has two activities: ``copyActivity`` (extraction from Stripe into the account's raw table; its
``durationSummary.extensions`` carry the run's window in epoch ms) and ``promotionActivity`` (mapping, validation
and the catalog batch). ``-1`` marks a metric that is unknown, as on a run that failed before it could count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from stripeflow.flows.entities import sandbox_id
from stripeflow.flows.runs import FAILED, SUCCESS, RunRecord

UNKNOWN: Final = -1
COPY_FAILED: Final = "CONNECTOR-1001-500"
PROCESSING_FAILED: Final = "CONNECTOR-2001-500"
MAPPER_ERROR: Final = "MAPPER-3700-400"
PARTIAL_INGESTION: Final = "INGEST-1212-400"
EXPORT_BASE: Final = "/data/foundation/export"


def millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def run_document(record: RunRecord) -> dict[str, Any]:
    """The public run object: the common entity fields, ``metrics`` and ``activities``."""
    body = record.body
    document: dict[str, Any] = {
        "id": record.id,
        "flowId": record.flow_id,
        "etag": record.etag,
        "createdAt": millis(record.created_at),
        "updatedAt": millis(record.updated_at),
        "createdBy": body.get("createdBy"),
        "updatedBy": body.get("updatedBy"),
        "createdClient": body.get("createdClient"),
        "updatedClient": body.get("updatedClient"),
        "sandboxId": sandbox_id(record.org_id, record.sandbox_name),
        "sandboxName": record.sandbox_name,
        "imsOrgId": record.org_id,
        "trigger": record.trigger,
        "scheduledAtUTC": millis(record.scheduled_for),
        "window": {"windowStart": millis(record.window_start), "windowEnd": millis(record.window_end)},
        "metrics": body.get("metrics", {}),
        "activities": body.get("activities", []),
    }
    if "params" in body:
        document["params"] = body["params"]
    if "providerRefId" in body:
        document["providerRefId"] = body["providerRefId"]
    return document


@dataclass(slots=True)
class RunFacts:
    """What one execution learned, turned into the run body by :func:`finished_body`."""

    started_ms: int
    completed_ms: int
    window_start_ms: int | None
    window_end_ms: int | None
    source_connection_id: str
    target_connection_id: str
    resource: str
    sync_id: str | None = None
    extraction_status: str | None = None  # success | failed; None: the sync did not get that far
    extraction_error: str | None = None
    records: int = UNKNOWN
    requests: int = UNKNOWN
    mapped: dict[str, Any] | None = None  # the SyncReport's ``mapped`` of the resource
    batch_metrics: dict[str, Any] = field(default_factory=dict)  # the catalog batch's metrics
    error: str | None = None  # a failure of the whole run (bad key, missing dataset, ...)


def finished_body(base: dict[str, Any], facts: RunFacts) -> tuple[str, dict[str, Any]]:
    """The status and stored body of a finished run: ``base`` (who made it, trigger, params) plus the metrics."""
    errors = _run_errors(facts)
    status = SUCCESS if facts.error is None and facts.extraction_status == "success" and _mapped_ok(facts) else FAILED
    mapped = facts.mapped or {}
    batch = facts.batch_metrics
    output = int(mapped.get("output", UNKNOWN)) if mapped else UNKNOWN
    failed = int(mapped.get("failed", UNKNOWN)) if mapped else UNKNOWN
    metrics = {
        "durationSummary": {"startedAtUTC": facts.started_ms, "completedAtUTC": facts.completed_ms},
        "sizeSummary": {
            "inputBytes": int(batch.get("inputByteSize", UNKNOWN)),
            "outputBytes": int(batch.get("outputByteSize", UNKNOWN)),
        },
        "recordSummary": {"inputRecordCount": facts.records, "outputRecordCount": output, "failedRecordCount": failed},
        "fileSummary": {
            "inputFileCount": int(batch.get("inputFileCount", UNKNOWN)),
            "outputFileCount": 1 if mapped.get("status") == "success" else (0 if mapped else UNKNOWN),
            "activityRefs": ["promotionActivity"],
        },
        "statusSummary": {"status": status, "errors": errors, "activityRefs": ["copyActivity", "promotionActivity"]},
    }
    activities = [_copy_activity(facts), *([_promotion_activity(facts)] if mapped else [])]
    return status, {**base, "providerRefId": facts.sync_id, "metrics": metrics, "activities": activities}


def failed_body(base: dict[str, Any], message: str, *, started_ms: int | None, completed_ms: int) -> dict[str, Any]:
    """The body of a run that failed before it learned anything (e.g. found stale after a crash)."""
    return {
        **base,
        "metrics": {
            "durationSummary": {"startedAtUTC": started_ms or UNKNOWN, "completedAtUTC": completed_ms},
            "sizeSummary": {"inputBytes": UNKNOWN, "outputBytes": UNKNOWN},
            "recordSummary": {"inputRecordCount": UNKNOWN, "outputRecordCount": UNKNOWN, "failedRecordCount": UNKNOWN},
            "fileSummary": {"inputFileCount": UNKNOWN, "outputFileCount": UNKNOWN, "activityRefs": []},
            "statusSummary": {"status": FAILED, "errors": [{"code": COPY_FAILED, "message": message}]},
        },
        "activities": [],
    }


def _mapped_ok(facts: RunFacts) -> bool:
    return facts.mapped is not None and facts.mapped.get("status") == "success"


def _run_errors(facts: RunFacts) -> list[dict[str, Any]]:
    if facts.error is not None:
        return [{"code": COPY_FAILED, "message": facts.error}]
    if facts.extraction_status != "success":
        return [{"code": COPY_FAILED, "message": facts.extraction_error or "copying from Stripe failed"}]
    mapped = facts.mapped
    if mapped is None:
        return [{"code": PROCESSING_FAILED, "message": facts.extraction_error or "mapping did not run"}]
    failed, total = int(mapped.get("failed", 0)), int(mapped.get("input", 0))
    if mapped.get("status") != "success":
        return [
            {
                "code": PROCESSING_FAILED,
                "message": facts.extraction_error or f"{failed} of {total} records failed; the batch was not promoted",
            },
            {"code": MAPPER_ERROR, "message": "records failed mapping or validation", "recordCount": failed},
        ]
    if failed:
        return [{"code": PARTIAL_INGESTION, "message": f"{failed} errors; ingested {mapped.get('output', 0)} rows"}]
    return []


def _copy_activity(facts: RunFacts) -> dict[str, Any]:
    batch_id = (facts.mapped or {}).get("batch_id")
    ok = facts.error is None and facts.extraction_status == "success"
    return {
        "id": "copyActivity",
        "updatedAtUTC": facts.completed_ms,
        "durationSummary": {
            "startedAtUTC": facts.started_ms,
            "completedAtUTC": facts.completed_ms,
            "extensions": {"windowStart": facts.window_start_ms, "windowEnd": facts.window_end_ms},
        },
        "recordSummary": {"inputRecordCount": facts.records, "outputRecordCount": facts.records if ok else UNKNOWN},
        "fileSummary": {"inputFileCount": facts.requests},
        "statusSummary": {
            "status": SUCCESS if ok else FAILED,
            "errors": [] if ok else _run_errors(facts)[:1],
            "extensions": {"resource": facts.resource},
        },
        "sourceInfo": [
            {
                "id": facts.source_connection_id,
                "type": "SourceConnection",
                "reference": {"type": "AdfRunId", "ids": [facts.sync_id] if facts.sync_id else []},
            }
        ],
        "targetInfo": [_target_info(facts, batch_id)],
    }


def _promotion_activity(facts: RunFacts) -> dict[str, Any]:
    mapped = facts.mapped or {}
    batch_id = str(mapped.get("batch_id"))
    failed = int(mapped.get("failed", 0))
    errors = [item for item in _run_errors(facts) if item["code"] != COPY_FAILED]
    meta = f"{EXPORT_BASE}/batches/{batch_id}/meta"
    return {
        "id": "promotionActivity",
        "updatedAtUTC": facts.completed_ms,
        "durationSummary": {"startedAtUTC": facts.started_ms, "completedAtUTC": facts.completed_ms},
        "sizeSummary": {
            "inputBytes": int(facts.batch_metrics.get("inputByteSize", UNKNOWN)),
            "outputBytes": int(facts.batch_metrics.get("outputByteSize", UNKNOWN)),
        },
        "recordSummary": {
            "inputRecordCount": int(mapped.get("input", UNKNOWN)),
            "outputRecordCount": int(mapped.get("output", UNKNOWN)),
            "failedRecordCount": failed,
            "deletedRecordCount": int(mapped.get("deleted", 0)),
        },
        "fileSummary": {"extensions": {"manifest": {"fileInfo": f"{meta}?path=input_files"}}},
        "statusSummary": {
            "status": SUCCESS if mapped.get("status") == "success" else FAILED,
            "errors": errors,
            "extensions": {
                "manifest": {"failedRecords": f"{meta}?path=row_errors", "sampleErrors": f"{meta}?path=row_errors"},
                "errors": _batch_errors(mapped),
            },
        },
        "targetInfo": [_target_info(facts, batch_id)],
        "_links": {
            "rowErrors": {"href": f"{meta}?path=row_errors"},
            "batch": {"href": f"/data/foundation/catalog/batches/{batch_id}"},
        },
    }


def _batch_errors(mapped: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog batch's error summary (code, message, record count) as the activity shows it."""
    found = []
    for item in mapped.get("errors") or []:
        if isinstance(item, dict):
            entry = {"code": str(item.get("code")), "message": str(item.get("description", item.get("message", "")))}
            if "recordCount" in item:
                entry["recordCount"] = item["recordCount"]
            found.append(entry)
    return found


def _target_info(facts: RunFacts, batch_id: Any) -> dict[str, Any]:
    return {
        "id": facts.target_connection_id,
        "type": "TargetConnection",
        "reference": {"type": "Batch", "ids": [str(batch_id)] if batch_id else []},
    }

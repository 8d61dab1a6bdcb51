"""Partial ingestion and what a batch reports: its threshold policy, its metrics and its error summary."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from stripeflow.lake.promotion import Tally
from stripeflow.store.records import JsonObject

PARTIAL_TAG = "acp_partialIngestionPercent"
DIAGNOSTICS_TAG = "acp_enableErrorDiagnostics"
#: Partial-ingestion summary: "N errors ... ingested M rows".
PARTIAL_SUMMARY = "INGEST-1212-400"
#: Rows failed while error diagnostics were off.
NO_DIAGNOSTICS = "INGEST-1211-400"


@dataclass(frozen=True)
class Policy:
    """``threshold``: the percentage of failed rows a batch may have and still succeed (partial ingestion); ``None``
    turns partial ingestion off, so any failed row fails the batch. Partial ingestion forces diagnostics on."""

    threshold: float | None
    diagnostics: bool

    @classmethod
    def of(cls, threshold: float | None, diagnostics: bool) -> Policy:
        if threshold is not None and not 0 <= threshold <= 100:
            raise ValueError(f"the error threshold is a percentage from 0 to 100, got {threshold}")
        return cls(threshold, diagnostics or threshold is not None)

    @classmethod
    def from_tags(cls, tags: Mapping[str, Any]) -> Policy:
        threshold = tags.get(PARTIAL_TAG)
        return cls.of(None if threshold is None else float(threshold), bool(tags.get(DIAGNOSTICS_TAG, False)))

    def tags(self) -> JsonObject:
        tags: JsonObject = {DIAGNOSTICS_TAG: self.diagnostics}
        if self.threshold is not None:
            tags[PARTIAL_TAG] = self.threshold
        return tags

    def accepts(self, tally: Tally) -> bool:
        if not tally.failed:
            return True
        if self.threshold is None or not tally.input_records:
            return False
        return tally.failed * 100 / tally.input_records <= self.threshold


def figures(tally: Tally, output_records: int, output_bytes: int) -> JsonObject:
    """The batch metrics of ``GET /batches/{id}`` (and ``deletedRecordCount``, stripeflow's)."""
    return {
        "inputByteSize": tally.input_bytes,
        "inputFileCount": tally.input_files,
        "inputRecordCount": tally.input_records,
        "outputRecordCount": output_records,
        "failedRecordCount": tally.failed,
        "outputByteSize": output_bytes,
        "deletedRecordCount": tally.deletions,
        "nulledRecordCount": tally.nulled,
    }


def summarize(tally: Tally, policy: Policy, *, failed: bool = False) -> list[JsonObject]:
    """The batch's ``errors``: one entry per row-error code with its ``recordCount`` when diagnostics are on
    (``INGEST-1211-400`` instead when they are off), then the partial-ingestion summary ``INGEST-1212-400``."""
    # Failing transformations that only nulled a field are counted too: the rows were written, without that field.
    nulled: list[JsonObject] = [
        {"code": code, "description": f"field set to null: {tally.messages[code]}", "recordCount": count}
        for code, count in sorted(tally.nulled_codes.items())
    ]
    if not tally.failed:
        return nulled
    errors: list[JsonObject] = []
    if policy.diagnostics:
        errors += [
            {"code": code, "description": tally.messages[code], "recordCount": count}
            for code, count in sorted(tally.codes.items())
        ]
        errors += nulled
    else:
        errors.append(
            {
                "code": NO_DIAGNOSTICS,
                "description": f"{tally.failed} rows failed; turn error diagnostics on to see their errors",
            }
        )
    if policy.threshold is not None:
        errors.append({"code": PARTIAL_SUMMARY, "description": _partial(tally, policy.threshold, failed)})
    return errors


def _partial(tally: Tally, threshold: float, failed: bool) -> str:
    share = tally.failed * 100 / max(tally.input_records, 1)
    if failed:
        return (
            f"{tally.failed} errors in {tally.input_records} rows ({share:.1f}%) exceed the error threshold of "
            f"{threshold:g}%: ingested 0 rows"
        )
    ingested = tally.input_records - tally.failed
    return (
        f"{tally.failed} errors ({share:.1f}%, within the error threshold of {threshold:g}%): ingested {ingested} rows"
    )

"""The export service (``/data/foundation/export``): a batch's row-error diagnostics and input files.

``GET /batches/{id}/meta?path=`` lists ``input_files``, ``row_errors`` or ``row_error_samples.json`` as
``{data[{name, length, _links{self{href}}}], _page{limit, count}}`` and returns the content of a listed file
(``row_errors/conversion_errors_0.json``, ``input_files/rows.json``); ``GET /batches/{id}/failed`` lists the error
files and, with ``?path=<file>``, returns one (also ``row_error_samples.json``).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Response

from stripeflow.lake.diagnostics import INPUT_FILES, ROW_ERRORS, SAMPLES
from stripeflow.platform import Platform
from stripeflow.server.deps import PlatformDep
from stripeflow.server.problems import ApiError, bad_request

router = APIRouter()

LISTINGS = (INPUT_FILES, ROW_ERRORS, SAMPLES)
FOLDERS = (INPUT_FILES, ROW_ERRORS)
VALID_PATHS = "input_files, row_errors, row_error_samples.json, input_files/<file> or row_errors/<file>"
JSON_LINES = "application/x-ndjson"

DiagnosticsPath = Annotated[str | None, Query(description=f"One of {VALID_PATHS}")]


@router.get("/batches/{batch_id}/meta", summary="List a batch's diagnostics, or return one file")
def meta(batch_id: str, platform: PlatformDep, path: DiagnosticsPath = None) -> Any:
    kind, checked = _check(path)
    if kind == "listing":
        return platform.catalog.batch_files(batch_id, checked)
    return _file(platform, batch_id, checked)


@router.get("/batches/{batch_id}/failed", summary="List a batch's row-error files, or return one")
def failed(batch_id: str, platform: PlatformDep, path: DiagnosticsPath = None) -> Any:
    if path is None or path.strip("/") == ROW_ERRORS:
        return platform.catalog.batch_files(batch_id, ROW_ERRORS)
    if path.strip("/") == SAMPLES:
        return _file(platform, batch_id, SAMPLES)
    kind, checked = _check(path)
    if kind == "listing":
        return platform.catalog.batch_files(batch_id, checked)
    return _file(platform, batch_id, checked)


def _check(path: str | None) -> tuple[str, str]:
    """``("listing" | "file", normalized path)``; a 400 naming the valid paths for anything else."""
    parts = [] if path is None else [part for part in path.split("/") if part]
    if len(parts) == 1 and parts[0] in LISTINGS:
        return "listing", parts[0]
    if len(parts) == 2 and parts[0] in FOLDERS and parts[1] not in (".", "..") and "\\" not in parts[1]:
        return "file", "/".join(parts)
    shown = "no path" if path is None else f"path {path!r}"
    raise bad_request(f"{shown} is not a diagnostics path: use one of {VALID_PATHS}")


def _file(platform: Platform, batch_id: str, path: str) -> Response:
    content = platform.catalog.batch_file(batch_id, path)
    if content is None:
        raise ApiError(
            404,
            "404",
            f"batch {batch_id} has no diagnostics file {path!r} (they are kept "
            f"{platform.settings.diagnostics_retention_days} days): "
            "list them with ?path=row_errors or ?path=input_files",
        )
    media_type = "application/json" if path == SAMPLES else JSON_LINES
    return Response(content, media_type=media_type)

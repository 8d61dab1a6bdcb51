"""Row-error diagnostics of a batch, as the Experience Platform's export service shows them.

Layout under ``<catalog root>/<dataset id>/diagnostics/<batch id>/``::

    row_errors/conversion_errors_0.json   rows the mapper or the dataset's types refused (JSON Lines)
    row_errors/parsing_errors_0.json      raw rows whose JSON could not be parsed (JSON Lines)
    row_error_samples.json                the first :data:`SAMPLE_SIZE` error rows (a JSON array)
    input_files.json                      the files the batch read: ``[{"name", "length", "path"}]``

Each error line is ``{"_corrupt_record": "<raw JSON>", "_errors": [{"code", "message"}], "_filename": "..."}``.
A file holds at most :data:`LINES_PER_FILE` lines; the next one is ``..._1.json``. The whole folder is deleted
when the batch's diagnostics expire (the batch keeps its metrics and error summary).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Literal

import orjson

ROW_ERRORS = "row_errors"
SAMPLES = "row_error_samples.json"
INPUT_FILES = "input_files"
_INPUT_FILES_JSON = "input_files.json"
LINES_PER_FILE = 100_000
SAMPLE_SIZE = 100
#: The export service's page size for ``meta`` listings.
PAGE_LIMIT = 100

ErrorKind = Literal["conversion", "parsing"]


@dataclass(frozen=True)
class ErrorRow:
    """One refused row: the record as read, its errors as ``(code, message)`` pairs, and the file it came from."""

    corrupt_record: str
    errors: Sequence[tuple[str, str]]
    filename: str

    def to_json(self) -> dict[str, Any]:
        return {
            "_corrupt_record": self.corrupt_record,
            "_errors": [{"code": code, "message": message} for code, message in self.errors],
            "_filename": self.filename,
        }


def batch_folder(dataset_folder: Path, batch_id: str) -> Path:
    return dataset_folder / "diagnostics" / batch_id


@dataclass
class DiagnosticsWriter:
    """Writes one batch's diagnostics; with ``enabled=False`` only the list of input files is kept."""

    folder: Path
    enabled: bool
    samples: list[dict[str, Any]] = field(default_factory=list)
    inputs: list[dict[str, Any]] = field(default_factory=list)
    _open: dict[ErrorKind, tuple[IO[bytes], int, int]] = field(default_factory=dict)  # file, index, lines

    def input_file(self, name: str, length: int, path: str) -> None:
        self.inputs.append({"name": name, "length": length, "path": path})

    def add(self, kind: ErrorKind, row: ErrorRow) -> None:
        if not self.enabled:
            return
        document = row.to_json()
        if len(self.samples) < SAMPLE_SIZE:
            self.samples.append(document)
        handle, index, lines = self._open.get(kind) or self._next(kind, 0)
        if lines >= LINES_PER_FILE:
            handle.close()
            handle, index, lines = self._next(kind, index + 1)
        handle.write(orjson.dumps(document) + b"\n")
        self._open[kind] = (handle, index, lines + 1)

    def _next(self, kind: ErrorKind, index: int) -> tuple[IO[bytes], int, int]:
        folder = self.folder / ROW_ERRORS
        folder.mkdir(parents=True, exist_ok=True)
        return (folder / f"{kind}_errors_{index}.json").open("wb"), index, 0

    def close(self) -> None:
        """Close the error files and write the samples and the list of input files."""
        for handle, _, _ in self._open.values():
            handle.close()
        self._open.clear()
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / _INPUT_FILES_JSON).write_bytes(orjson.dumps(self.inputs))
        if self.enabled:
            (self.folder / SAMPLES).write_bytes(orjson.dumps(self.samples))


def read_row_errors(folder: Path, limit: int, offset: int) -> list[dict[str, Any]]:
    """Error rows ``offset`` to ``offset + limit`` (conversion errors first, then parsing errors)."""
    rows: list[dict[str, Any]] = []
    for index, line in enumerate(_error_lines(folder)):
        if index >= offset + limit:
            break
        if index >= offset:
            rows.append(orjson.loads(line))
    return rows


def _error_lines(folder: Path) -> Iterator[bytes]:
    for path in _error_files(folder):
        with path.open("rb") as handle:
            yield from (line for line in handle if line.strip())


def _error_files(folder: Path) -> list[Path]:
    directory = folder / ROW_ERRORS
    if not directory.is_dir():
        return []
    order = {"conversion": 0, "parsing": 1}

    def key(path: Path) -> tuple[int, int]:
        kind, _, index = path.stem.rpartition("_errors_")
        return order.get(kind, 2), int(index) if index.isdigit() else 0

    return sorted(directory.glob("*_errors_*.json"), key=key)


def listing(folder: Path, path: str, href: str) -> dict[str, Any]:
    """The export service's ``meta?path=`` listing: ``{data[{name, length, _links{self{href}}}], _page}``.

    ``path`` is ``input_files``, ``row_errors`` or a file (``row_error_samples.json``, ``row_errors/<file>``),
    which lists itself; ``href`` is the link prefix, to which ``<listed path>`` is appended."""
    parts = check_path(path)
    entries: list[tuple[str, int]]
    if parts == [INPUT_FILES]:
        entries = [(item["name"], int(item["length"])) for item in _inputs(folder)]
    elif parts == [ROW_ERRORS]:
        entries = [(item.name, item.stat().st_size) for item in _error_files(folder)]
    else:
        target = folder.joinpath(*parts)
        entries = [(parts[-1], target.stat().st_size)] if target.is_file() else []
        parts = parts[:-1]
    data = [
        {"name": name, "length": length, "_links": {"self": {"href": href + "/".join([*parts, name])}}}
        for name, length in entries
    ]
    return {"data": data, "_page": {"limit": PAGE_LIMIT, "count": len(data)}}


def read_file(folder: Path, path: str) -> bytes | None:
    """The content of ``path`` (``row_errors/<file>``, ``row_error_samples.json``, or ``input_files/<name>``: one
    JSON line ``{"path": ...}``); ``None`` when there is no such file."""
    parts = check_path(path)
    if len(parts) == 2 and parts[0] == INPUT_FILES:
        found = [item for item in _inputs(folder) if item["name"] == parts[1]]
        return orjson.dumps({"path": found[0]["path"]}) + b"\n" if found else None
    target = folder.joinpath(*parts)
    return target.read_bytes() if target.is_file() else None


def _inputs(folder: Path) -> list[dict[str, Any]]:
    path = folder / _INPUT_FILES_JSON
    loaded: list[dict[str, Any]] = orjson.loads(path.read_bytes()) if path.is_file() else []
    return loaded


def check_path(path: str) -> list[str]:
    """The parts of a ``meta?path=`` value; refuses ``..`` and other escapes."""
    parts = [part for part in path.strip("/").split("/") if part]
    if not parts or any(part in (".", "..") or "\\" in part for part in parts):
        raise ValueError(f"not a diagnostics path: {path!r}")
    return parts


def purge(folder: Path) -> None:
    """Delete a batch's diagnostics."""
    shutil.rmtree(folder, ignore_errors=True)

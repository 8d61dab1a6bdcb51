"""Dataset writes in a child process, so that Parquet encoding runs beside the extraction instead of under its GIL.

The extraction process parses pages, keeps cursors and talks to Stripe; converting records to Arrow and encoding
Parquet is CPU work of about the same size. In one process both compete for one interpreter lock; in two they run
on two cores. Records cross the process boundary as newline-joined JSON (orjson on both sides), which costs far
less than pickling nested dicts.

Before writing, the child takes an account's writer lock (:meth:`LakeWorker.hold`) and keeps it for its whole
life: a child orphaned by a killed parent finishes its current write before a new one can start, so two
writers never race on one table.
"""

from __future__ import annotations

import fcntl
import gc
import importlib.abc
import itertools
import os
import socket
import subprocess
import sys
import threading
import time
import types
from collections.abc import Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import orjson

#: Operations a remote dataset forwards; the records argument of the first two travels as JSON lines.
RECORD_OPS = frozenset({"append", "upsert"})
OPS = RECORD_OPS | {"mark_deleted", "exists", "transaction_version", "row_count", "oldest_created", "version"}


#: The writer process's allocators (the caller's environment overrides them). Arrow's pool: mimalloc, Arrow's
#: default, keeps about 2.5 times what Arrow uses; the system allocator returns it. glibc's malloc: fixed mmap and
#: trim thresholds (256 KB and 1 MB, as the sync sets them in its own process) instead of its dynamic ones, which
#: rise to the size of the largest block freed (megabytes: batches, Arrow buffers), after which such blocks stay in
#: the per-thread arenas: about 35 MB less RSS at 100,000 objects per resource, for no measurable CPU.
_ALLOCATORS = {
    "ARROW_DEFAULT_MEMORY_POOL": "system",
    "MALLOC_MMAP_THRESHOLD_": str(256 * 1024),
    "MALLOC_TRIM_THRESHOLD_": str(1024 * 1024),
}


class WorkerError(RuntimeError):
    """The write process failed or died; the message carries the child's error."""


@dataclass(slots=True)
class EncodedRecords:
    """Records already encoded as JSON lines, in chunks of whole lines (one chunk per page).

    Far smaller than the dicts they came from. One exact-size chunk per page also matters: each ``orjson.dumps``
    result keeps the spare capacity of its output buffer, several times the record's size.
    """

    chunks: list[bytes] = field(default_factory=list)
    count: int = 0
    livemode: bool | None = None  # the records' own ``livemode``, when they carry one

    def __len__(self) -> int:
        return self.count

    def add(self, records: Sequence[Mapping[str, Any]]) -> None:
        if not records:
            return
        self.chunks.append(b"\n".join(orjson.dumps(record) for record in records))
        self.count += len(records)
        if self.livemode is None:
            self.livemode = next((item["livemode"] for item in records if isinstance(item.get("livemode"), bool)), None)

    @classmethod
    def of(cls, records: Sequence[Mapping[str, Any]]) -> EncodedRecords:
        encoded = cls()
        encoded.add(records)
        return encoded


Records = Sequence[Mapping[str, Any]] | EncodedRecords


def encode_records(records: Records) -> bytes:
    if isinstance(records, EncodedRecords):
        return b"\n".join(records.chunks)
    return b"\n".join(orjson.dumps(item) for item in records)


def decode_records(blob: bytes) -> list[dict[str, Any]]:
    return [orjson.loads(line) for line in blob.split(b"\n")] if blob else []


class LakeWorker:
    """A child process that owns the datasets under ``root``; use :meth:`dataset` for a proxy per resource."""

    def __init__(self, root: Path, *, start_timeout: float = 120.0) -> None:
        self.root = root
        # A plain child process (not multiprocessing's spawn, which would re-run the caller's main module: a
        # notebook or a script without a __main__ guard) connected by a socket pair.
        parent, child = socket.socketpair()
        self._process = subprocess.Popen(
            [sys.executable, "-m", "stripeflow.lake.worker", str(child.fileno()), str(root)],
            pass_fds=(child.fileno(),),
            env={**_ALLOCATORS, **os.environ},
        )
        child.close()
        self._conn = Connection(parent.detach())
        self._send_lock = threading.Lock()
        self._pending: dict[int, Future[Any]] = {}
        self._ids = itertools.count(1)
        if not self._conn.poll(start_timeout):
            self.close()
            raise WorkerError(f"the dataset writer did not start within {start_timeout:.0f}s")
        try:
            self._conn.recv()  # the child's "ready"
        except EOFError as exc:
            self.close()
            raise WorkerError(f"the dataset writer process exited at start (code {self._process.returncode})") from exc
        self._reader = threading.Thread(target=self._read_replies, name="stripeflow-lake-replies", daemon=True)
        self._reader.start()

    def dataset(self, resource: str) -> RemoteDataset:
        return RemoteDataset(self, resource)

    def hold(self, lock: Path) -> None:
        """Make the child take ``lock`` (an OS file lock it keeps for life) before any write; waits for it."""
        self.call("", "hold", (str(lock),), {})

    def call(self, resource: str, op: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """Run one dataset operation in the child and wait for it; calls from several threads run side by side."""
        if op in RECORD_OPS:
            args = (encode_records(args[0]), *args[1:])
        request = next(self._ids)
        future: Future[Any] = Future()
        self._pending[request] = future
        try:
            with self._send_lock:
                self._conn.send((request, resource, op, args, kwargs))
        except OSError as exc:
            self._pending.pop(request, None)
            raise WorkerError(f"the dataset writer process is gone ({op} on {resource})") from exc
        return future.result()

    def _read_replies(self) -> None:
        while True:
            try:
                request, ok, value = self._conn.recv()
            except (EOFError, OSError):
                break
            future = self._pending.pop(request, None)
            if future is None:
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(WorkerError(value))
        for future in list(self._pending.values()):
            future.set_exception(WorkerError("the dataset writer process died"))
        self._pending.clear()

    def close(self, timeout: float = 30.0) -> None:
        if self._process.poll() is None:
            try:
                with self._send_lock:
                    self._conn.send(None)
            except OSError:
                pass
            try:
                self._process.wait(timeout)
            except subprocess.TimeoutExpired:
                self._process.terminate()
                self._process.wait(5)
        self._conn.close()


class RemoteDataset:
    """The dataset API of one resource, executed by a :class:`LakeWorker`."""

    def __init__(self, worker: LakeWorker, resource: str) -> None:
        self._worker = worker
        self.resource = resource
        self.path = worker.root / resource

    def _call(self, op: str, *args: Any, **kwargs: Any) -> Any:
        return self._worker.call(self.resource, op, args, kwargs)

    def exists(self) -> bool:
        return bool(self._call("exists"))

    def append(self, records: Records, system: Any, *, txn: tuple[str, int] | None = None) -> int:
        return int(self._call("append", records, system, txn=txn))

    def upsert(self, records: Records, system: Any, *, txn: tuple[str, int] | None = None) -> int:
        return int(self._call("upsert", records, system, txn=txn))

    def mark_deleted(self, deletions: Sequence[Any], system: Any, *, txn: tuple[str, int] | None = None) -> int:
        return int(self._call("mark_deleted", list(deletions), system, txn=txn))

    def transaction_version(self, app_id: str) -> int | None:
        value = self._call("transaction_version", app_id)
        return None if value is None else int(value)

    def row_count(self, *, include_deleted: bool = True) -> int:
        return int(self._call("row_count", include_deleted=include_deleted))

    def oldest_created(self, **equals: str) -> int | None:
        value = self._call("oldest_created", **equals)
        return None if value is None else int(value)


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Sequence[str] | None, target: types.ModuleType | None = None) -> None:
        if name == "pandas":
            raise ModuleNotFoundError("pandas is not probed for in the dataset writer", name=name)


def _skip_pandas_probe() -> None:
    """Let pyarrow's probe for pandas find none (about 45 MB less RSS in this process).

    The first ``pa.array`` of a Python list imports pandas, only to ask whether the list is a pandas object; nothing
    here converts to or from pandas. pyarrow remembers the answer for those probes, and still imports pandas when
    it is really needed (``to_pandas``)."""
    if "pandas" in sys.modules:
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        import pyarrow as pa

        pa.array([])
    finally:
        sys.meta_path.remove(finder)


def _serve(conn: Connection, root: str, threads: int = 2) -> None:
    """The child's loop: requests run on a few threads (one resource never runs two at once: its writer waits)."""
    _skip_pandas_probe()
    from stripeflow.lake.convert import raw_of_lines  # the child alone imports Arrow and Delta
    from stripeflow.lake.datasets import StripeDataset

    held: list[Any] = []
    collected = [time.monotonic()]
    # The collector runs between requests, once a second at most, not after every 700 new objects: decoded batches
    # are trees that reference counting frees, but the automatic collector kept scanning them (and every module
    # object) in full collections while they were built, a sixth of this process's CPU. Imports are frozen out.
    gc.collect()
    gc.freeze()
    gc.disable()
    with ThreadPoolExecutor(threads, thread_name_prefix="lake") as pool:
        datasets: dict[str, StripeDataset] = {}
        guard = threading.Lock()

        def dataset(resource: str) -> StripeDataset:
            with guard:
                return datasets.get(resource) or datasets.setdefault(resource, StripeDataset(Path(root), resource))

        def hold(lock: str) -> None:
            Path(lock).parent.mkdir(parents=True, exist_ok=True)
            handle = open(lock, "a")  # noqa: SIM115 - kept open (and locked) for the life of the process
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX)  # waits for a writer orphaned by a killed parent
            held.append(handle)

        def run(request: int, resource: str, op: str, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
            try:
                if op == "hold":
                    hold(*args)
                    reply: tuple[int, bool, Any] = (request, True, None)
                elif op in ("promote", "targets"):  # the map stage (stripeflow.sync.mapping)
                    from stripeflow.sync import mapping

                    reply = (request, True, getattr(mapping, op)(*args, **kwargs))
                else:
                    if op not in OPS:
                        raise ValueError(f"unknown dataset operation {op!r}")
                    if op in RECORD_OPS:
                        # Each line is orjson.dumps(record): the record's _raw as it is, no need to encode it again.
                        lines = args[0].split(b"\n") if args[0] else []
                        kwargs = {**kwargs, "raw": raw_of_lines(lines)}
                        args = ([orjson.loads(line) for line in lines], *args[1:])
                        del lines
                    reply = (request, True, getattr(dataset(resource), op)(*args, **kwargs))
            except Exception as exc:
                reply = (request, False, f"{type(exc).__name__}: {exc}")
            try:
                with guard:
                    conn.send(reply)
            except OSError:
                pass
            del reply, args
            if time.monotonic() - collected[0] >= 1.0:
                collected[0] = time.monotonic()
                gc.collect()

        conn.send("ready")
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                return
            if message is None:
                return
            pool.submit(run, *message)


def main(argv: Sequence[str]) -> None:
    """``python -m stripeflow.lake.worker FD ROOT``: serve the parent at the other end of socket FD."""
    fd, root = argv
    _serve(Connection(int(fd)), root)


if __name__ == "__main__":
    main(sys.argv[1:])

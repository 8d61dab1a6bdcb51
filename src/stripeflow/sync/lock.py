"""One sync per account and data dir at a time: an OS file lock, released even when the process is killed."""

from __future__ import annotations

import fcntl
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from stripeflow.errors import ConcurrentSyncError


def lock_file(data_dir: Path, account: str, suffix: str) -> Path:
    """``<data dir>/locks/<account><suffix>``, the account id made safe for a file name."""
    folder = data_dir / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{re.sub(r'[^A-Za-z0-9_.-]', '_', account)}{suffix}"


@contextmanager
def sync_lock(data_dir: Path, account: str) -> Iterator[None]:
    path = lock_file(data_dir, account, ".lock")
    with path.open("a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ConcurrentSyncError(
                f"another stripeflow sync of {account} is running on this data dir ({path} is locked); "
                "wait for it to finish, or use another STRIPEFLOW_DATA_DIR"
            ) from None
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)

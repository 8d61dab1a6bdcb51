"""A process killed with SIGKILL at any moment leaves every state whole and readable."""

from __future__ import annotations

import random
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from stripeflow.store import BatchStatus, MetadataStore, open_store
from tests.store.crash_writer import ACCOUNT, RESOURCES, check_document

WRITER = Path(__file__).with_name("crash_writer.py")


def run_and_kill(url: str, delay: float) -> None:
    """Start the writer, let it write for ``delay`` seconds after its first states, then ``kill -9`` it."""
    with subprocess.Popen(
        [sys.executable, str(WRITER), url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        if first != "ready\n":
            process.kill()
            _, stderr = process.communicate()
            pytest.fail(f"the writer did not start: {first!r} {stderr}")
        time.sleep(delay)
        process.kill()  # SIGKILL
        process.communicate()
        assert process.returncode == -9


def check_store(store: MetadataStore) -> int:
    """Every state is whole; returns the newest committed ``n``."""
    committed = []
    for resource in RESOURCES:
        stored = store.get_state(ACCOUNT, resource)
        assert stored is not None
        n = check_document(resource, stored.state)
        assert stored.checkpoint_seq == n
        assert stored.phase == "incremental"
        if stored.pending_seq is not None:  # killed between stage and promote
            assert check_document(resource, stored.pending_state) == stored.pending_seq == n + 1
        else:
            assert stored.pending_state is None
        assert store.filter_unseen(ACCOUNT, resource, [f"evt_{seen}" for seen in range(1, n + 1)]) == set()
        committed.append(n)
    return max(committed)


def test_kill_9_never_leaves_a_half_written_state(store_url: str) -> None:
    chance = random.Random(20260101)
    newest = 0
    rounds = 2 if store_url.startswith("sqlite") else 1  # the second round checks resuming after a kill
    for _ in range(rounds):
        run_and_kill(store_url, delay=chance.uniform(0.05, 0.3))
        with open_store(store_url) as store:
            reached = check_store(store)
            assert reached > newest  # the writer resumed and made progress
            newest = reached
            aborted = store.mark_stale_running_as_aborted()
            assert len(aborted.sync_ids) == 1
            assert all(batch.status is not BatchStatus.LOADING for batch in store.list_batches(limit=1000))
            if store.engine.dialect.name == "sqlite":
                with store.engine.connect() as connection:
                    assert connection.execute(text("PRAGMA integrity_check")).scalar() == "ok"

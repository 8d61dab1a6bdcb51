from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import text

from stripeflow.store import (
    BatchCounts,
    BatchMode,
    BatchStatus,
    MetadataStore,
    RecordNotFoundError,
    SyncStatus,
)
from tests.support.clock import FakeClock

ACCOUNT = "acct_1Test"
RESOURCES = ["charges", "customers"]


def test_sync_lifecycle(store: MetadataStore, clock: FakeClock) -> None:
    started = clock.now
    sync_id = store.start_sync(ACCOUNT, False, RESOURCES, {"since": None, "full_refresh": True})
    running = store.get_sync(sync_id)
    assert running is not None
    assert (running.status, running.resources, running.livemode) == (SyncStatus.RUNNING, tuple(RESOURCES), False)
    assert running.options == {"since": None, "full_refresh": True}
    assert (running.started_at, running.finished_at) == (started, None)

    clock.advance(30)
    finished = store.finish_sync(sync_id, "partial", note="refunds: permission denied")
    assert finished.status is SyncStatus.PARTIAL
    assert finished.finished_at == clock.now
    assert finished.note == "refunds: permission denied"
    assert store.get_sync(sync_id) == finished


def test_unknown_sync(store: MetadataStore) -> None:
    assert store.get_sync("nope") is None
    with pytest.raises(RecordNotFoundError):
        store.finish_sync("nope", SyncStatus.SUCCESS)
    with pytest.raises(RecordNotFoundError):
        store.start_batch("nope", ACCOUNT, "charges", BatchMode.BACKFILL)


def test_statuses_are_checked(store: MetadataStore) -> None:
    sync_id = store.start_sync(ACCOUNT, False, RESOURCES)
    batch_id = store.start_batch(sync_id, ACCOUNT, "charges", "backfill")
    with pytest.raises(ValueError, match="final status"):
        store.finish_sync(sync_id, "running")
    with pytest.raises(ValueError, match="'done'"):
        store.finish_sync(sync_id, "done")
    with pytest.raises(ValueError, match="final status"):
        store.finish_batch(batch_id, "loading")
    with pytest.raises(ValueError, match="'sideways'"):
        store.start_batch(sync_id, ACCOUNT, "charges", "sideways")


def test_batch_lifecycle(store: MetadataStore, clock: FakeClock) -> None:
    sync_id = store.start_sync(ACCOUNT, True, RESOURCES)
    batch_id = store.start_batch(sync_id, ACCOUNT, "charges", "backfill", dataset_path="/data/charges")
    (loading,) = store.list_batches()
    assert (loading.id, loading.sync_id, loading.account_id, loading.resource) == (
        batch_id,
        sync_id,
        ACCOUNT,
        "charges",
    )
    assert (loading.mode, loading.status, loading.counts) == (BatchMode.BACKFILL, BatchStatus.LOADING, BatchCounts())
    assert loading.dataset_path == "/data/charges"

    clock.advance(5)
    store.update_batch_progress(batch_id, BatchCounts(records=100, requests=2))
    store.update_batch_progress(batch_id, BatchCounts(records=250, requests=4, throttled=1, retries=1))
    progressing = store.last_batch("charges")
    assert progressing is not None
    assert progressing.counts == BatchCounts(records=250, requests=4, throttled=1, retries=1)
    assert progressing.updated_at == clock.now
    sync = store.get_sync(sync_id)
    assert sync is not None
    assert sync.updated_at == clock.now  # the sync's heartbeat moved too

    clock.advance(5)
    final = BatchCounts(records=300, deleted=2, requests=5, throttled=1, retries=2)
    done = store.finish_batch(batch_id, BatchStatus.SUCCESS, counts=final, mode="rebackfill", dataset_version=12)
    assert (done.status, done.mode, done.counts, done.dataset_version) == (
        BatchStatus.SUCCESS,
        BatchMode.REBACKFILL,
        final,
        12,
    )
    assert done.finished_at == clock.now
    assert done.dataset_path == "/data/charges"
    assert store.last_batch("charges") == done


def test_failed_batch_keeps_its_error(store: MetadataStore) -> None:
    sync_id = store.start_sync(ACCOUNT, False, RESOURCES)
    batch_id = store.start_batch(sync_id, ACCOUNT, "refunds", "incremental")
    failed = store.finish_batch(batch_id, "failed", error="the key lacks rak_refund_read")
    assert (failed.status, failed.error, failed.counts) == (
        BatchStatus.FAILED,
        "the key lacks rak_refund_read",
        BatchCounts(),
    )
    with pytest.raises(RecordNotFoundError):
        store.finish_batch("01NOPE", "failed")
    with pytest.raises(RecordNotFoundError):
        store.update_batch_progress("01NOPE", BatchCounts())


def test_list_batches_newest_first_with_filters(store: MetadataStore) -> None:
    first = store.start_sync(ACCOUNT, False, RESOURCES)
    second = store.start_sync("acct_other", False, RESOURCES)
    ids = [
        store.start_batch(first, ACCOUNT, "charges", "backfill"),
        store.start_batch(first, ACCOUNT, "customers", "backfill"),
        store.start_batch(second, "acct_other", "charges", "incremental"),
        store.start_batch(second, "acct_other", "customers", "incremental"),
    ]
    assert [batch.id for batch in store.list_batches()] == ids[::-1]
    assert [batch.id for batch in store.list_batches(limit=2)] == ids[:1:-1]
    assert [batch.id for batch in store.list_batches("charges")] == [ids[2], ids[0]]
    assert [batch.id for batch in store.list_batches(account_id=ACCOUNT)] == [ids[1], ids[0]]
    assert [batch.id for batch in store.list_batches(sync_id=second)] == [ids[3], ids[2]]
    assert store.list_batches("balance_transactions") == []


def test_last_batch(store: MetadataStore) -> None:
    assert store.last_batch("charges") is None
    sync_id = store.start_sync(ACCOUNT, False, RESOURCES)
    succeeded = store.start_batch(sync_id, ACCOUNT, "charges", "backfill")
    store.finish_batch(succeeded, "success")
    latest = store.start_batch(sync_id, ACCOUNT, "charges", "incremental")
    store.start_batch(sync_id, ACCOUNT, "customers", "backfill")
    assert store.last_batch("charges").id == latest  # type: ignore[union-attr]
    assert store.last_batch("charges", status="success").id == succeeded  # type: ignore[union-attr]
    assert store.last_batch("charges", account_id="acct_other") is None


def test_stale_running_rows_become_aborted(store: MetadataStore, clock: FakeClock) -> None:
    killed = store.start_sync(ACCOUNT, False, RESOURCES)
    done_batch = store.start_batch(killed, ACCOUNT, "charges", "backfill")
    store.finish_batch(done_batch, "success")
    loading_batch = store.start_batch(killed, ACCOUNT, "customers", "backfill")
    finished = store.start_sync(ACCOUNT, False, RESOURCES)
    store.finish_sync(finished, "success")

    clock.advance(60)
    aborted = store.mark_stale_running_as_aborted()

    assert aborted.sync_ids == (killed,)
    assert aborted.batch_ids == (loading_batch,)
    sync = store.get_sync(killed)
    assert sync is not None
    assert (sync.status, sync.finished_at) == (SyncStatus.ABORTED, clock.now)
    assert "process stopped" in (sync.note or "")
    batch = store.last_batch("customers")
    assert batch is not None
    assert (batch.status, batch.finished_at) == (BatchStatus.ABORTED, clock.now)
    assert "process stopped" in (batch.error or "")
    assert store.last_batch("charges").status is BatchStatus.SUCCESS  # type: ignore[union-attr]
    assert store.get_sync(finished).status is SyncStatus.SUCCESS  # type: ignore[union-attr]
    assert store.mark_stale_running_as_aborted().sync_ids == ()


def test_stale_after_spares_rows_with_a_fresh_heartbeat(store: MetadataStore, clock: FakeClock) -> None:
    stale = store.start_sync(ACCOUNT, False, RESOURCES)
    stale_batch = store.start_batch(stale, ACCOUNT, "charges", "backfill")
    live = store.start_sync("acct_other", False, RESOURCES)
    live_batch = store.start_batch(live, "acct_other", "charges", "backfill")
    clock.advance(600)
    store.update_batch_progress(live_batch, BatchCounts(records=1))  # the live sync's heartbeat

    aborted = store.mark_stale_running_as_aborted(stale_after=timedelta(minutes=5))

    assert (aborted.sync_ids, aborted.batch_ids) == ((stale,), (stale_batch,))
    assert store.get_sync(live).status is SyncStatus.RUNNING  # type: ignore[union-attr]
    assert store.last_batch("charges", account_id="acct_other").status is BatchStatus.LOADING  # type: ignore[union-attr]


def test_deleting_a_sync_deletes_its_batches(store: MetadataStore) -> None:
    sync_id = store.start_sync(ACCOUNT, False, RESOURCES)
    store.start_batch(sync_id, ACCOUNT, "charges", "backfill")
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM syncs WHERE id = :id"), {"id": sync_id})
    assert store.list_batches() == []

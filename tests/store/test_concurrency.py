"""Threads sharing one store, and two stores on one database (as two processes would), never collide."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from stripeflow.store import MetadataStore, open_store

ACCOUNT = "acct_1Test"


def _write(store: MetadataStore, resource: str, count: int) -> None:
    for n in range(1, count + 1):
        store.stage_pending(ACCOUNT, resource, n, {"n": n})
        store.promote_pending(ACCOUNT, resource)
        store.record_seen(ACCOUNT, "shared", [(f"evt_{resource}_{n}", n), ("evt_common", 0)])


def test_threads_and_stores_write_side_by_side(store: MetadataStore, store_url: str) -> None:
    with open_store(store_url) as other, ThreadPoolExecutor(max_workers=4) as pool:
        futures = [
            pool.submit(_write, target, f"resource_{index}", 15)
            for index, target in enumerate([store, store, other, other])
        ]
        for future in futures:
            future.result()
    for index in range(4):
        stored = store.get_state(ACCOUNT, f"resource_{index}")
        assert stored is not None
        assert (stored.state, stored.checkpoint_seq) == ({"n": 15}, 15)
    assert store.prune_seen(ACCOUNT, "shared", older_than=100) == 4 * 15 + 1

"""Writes states, events and batches in a tight loop until it is killed; run as a script by ``test_crash.py``.

Every document carries a digest of its own content, so a torn or mixed write would be detected on reading.
"""

from __future__ import annotations

import hashlib
import sys
from typing import Any

import orjson

from stripeflow.store import MetadataStore, open_store

ACCOUNT = "acct_crash"
RESOURCES = ("charges", "customers", "refunds")


def make_document(resource: str, n: int) -> dict[str, Any]:
    payload = [f"{resource}:{n}:{index}" for index in range(200)]
    return {"n": n, "payload": payload, "digest": _digest(resource, n, payload)}


def check_document(resource: str, document: dict[str, Any] | None) -> int:
    """The document's ``n`` after checking that it is whole; raises AssertionError otherwise."""
    assert document is not None, f"{resource}: no document"
    assert set(document) == {"n", "payload", "digest"}, f"{resource}: fields {sorted(document)}"
    assert document["digest"] == _digest(resource, document["n"], document["payload"]), f"{resource}: torn"
    return int(document["n"])


def _digest(resource: str, n: int, payload: list[str]) -> str:
    return hashlib.sha256(orjson.dumps([resource, n, payload])).hexdigest()


def write_forever(store: MetadataStore) -> None:
    counters = {resource: _resume_from(store, resource) for resource in RESOURCES}
    sync_id = store.start_sync(ACCOUNT, False, list(RESOURCES))
    while True:
        for resource in RESOURCES:
            n = counters[resource] = counters[resource] + 1
            batch_id = store.start_batch(sync_id, ACCOUNT, resource, "incremental")
            store.record_seen(ACCOUNT, resource, [(f"evt_{n}", n)])
            store.stage_pending(ACCOUNT, resource, n, make_document(resource, n), phase="incremental")
            store.promote_pending(ACCOUNT, resource)
            store.finish_batch(batch_id, "success")
            if n % 5 == 0:
                store.prune_seen(ACCOUNT, resource, older_than=n - 1000)
        print("ready", flush=True)


def _resume_from(store: MetadataStore, resource: str) -> int:
    state = store.get_state(ACCOUNT, resource)
    return 0 if state is None else state.checkpoint_seq


if __name__ == "__main__":
    with open_store(sys.argv[1]) as opened:
        write_forever(opened)

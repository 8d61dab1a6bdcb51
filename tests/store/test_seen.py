from __future__ import annotations

from stripeflow.store import MetadataStore
from stripeflow.store.seen import CHUNK_SIZE

ACCOUNT = "acct_1Test"


def test_everything_is_unseen_at_first(store: MetadataStore) -> None:
    assert store.filter_unseen(ACCOUNT, "charges", ["evt_1", "evt_2"]) == {"evt_1", "evt_2"}
    assert store.filter_unseen(ACCOUNT, "charges", []) == set()


def test_recorded_events_are_filtered_out(store: MetadataStore) -> None:
    store.record_seen(ACCOUNT, "charges", [("evt_1", 100), ("evt_2", 200)])
    assert store.filter_unseen(ACCOUNT, "charges", ["evt_1", "evt_2", "evt_3"]) == {"evt_3"}


def test_seen_events_are_scoped_to_account_and_resource(store: MetadataStore) -> None:
    store.record_seen(ACCOUNT, "charges", [("evt_1", 100)])
    assert store.filter_unseen(ACCOUNT, "refunds", ["evt_1"]) == {"evt_1"}
    assert store.filter_unseen("acct_other", "charges", ["evt_1"]) == {"evt_1"}


def test_record_seen_is_idempotent(store: MetadataStore) -> None:
    store.record_seen(ACCOUNT, "charges", [("evt_1", 100), ("evt_1", 100)])  # duplicate inside one call
    store.record_seen(ACCOUNT, "charges", [("evt_1", 100), ("evt_2", 150)])  # and across calls
    store.record_seen(ACCOUNT, "charges", [])
    assert store.filter_unseen(ACCOUNT, "charges", ["evt_1", "evt_2"]) == set()
    assert store.prune_seen(ACCOUNT, "charges", older_than=10**10) == 2


def test_many_events_cross_the_chunk_size(store: MetadataStore) -> None:
    count = CHUNK_SIZE * 2 + 7
    store.record_seen(ACCOUNT, "charges", ((f"evt_{n:05d}", n) for n in range(count)))
    asked = [f"evt_{n:05d}" for n in range(count + 3)]
    assert store.filter_unseen(ACCOUNT, "charges", asked) == {f"evt_{n:05d}" for n in range(count, count + 3)}


def test_prune_forgets_only_older_events_of_that_resource(store: MetadataStore) -> None:
    store.record_seen(ACCOUNT, "charges", [("evt_old", 100), ("evt_edge", 200), ("evt_new", 300)])
    store.record_seen(ACCOUNT, "refunds", [("evt_old", 100)])
    assert store.prune_seen(ACCOUNT, "charges", older_than=200) == 1
    assert store.filter_unseen(ACCOUNT, "charges", ["evt_old", "evt_edge", "evt_new"]) == {"evt_old"}
    assert store.filter_unseen(ACCOUNT, "refunds", ["evt_old"]) == set()
    assert store.prune_seen(ACCOUNT, "charges", older_than=200) == 0

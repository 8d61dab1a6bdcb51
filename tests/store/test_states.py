from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from stripeflow.store import NEW_PHASE, MetadataStore, NoPendingStateError, RecordNotFoundError
from tests.support.clock import FakeClock

ACCOUNT = "acct_1Test"
DOCUMENT = {
    "phase": "backfill",
    "slices": [{"gte": 1_700_000_000, "lt": 1_700_086_400, "starting_after": "ch_3Nx"}],
    "events_cursor": None,
    "note": "ünïcødé ✓",
    "big": 2**62,
    "ratio": 0.25,
}


def test_an_unknown_resource_has_no_state(store: MetadataStore) -> None:
    assert store.get_state(ACCOUNT, "charges") is None


def test_save_state_round_trips_the_document_and_columns(store: MetadataStore, clock: FakeClock) -> None:
    saved = store.save_state(ACCOUNT, "charges", DOCUMENT, seq=3, phase="backfill", livemode=True)
    loaded = store.get_state(ACCOUNT, "charges")
    assert loaded == saved
    assert loaded is not None
    assert loaded.state == DOCUMENT
    assert (loaded.livemode, loaded.phase, loaded.checkpoint_seq) == (True, "backfill", 3)
    assert (loaded.pending_seq, loaded.pending_state, loaded.has_pending) == (None, None, False)
    assert loaded.updated_at == clock.now
    assert loaded.updated_at.tzinfo is UTC


def test_save_state_keeps_what_is_not_given(store: MetadataStore, clock: FakeClock) -> None:
    store.save_state(ACCOUNT, "charges", {"n": 1}, seq=4, phase="backfill", livemode=False)
    clock.advance(60)
    updated = store.save_state(ACCOUNT, "charges", {"n": 2})
    assert (updated.state, updated.checkpoint_seq, updated.phase, updated.livemode) == ({"n": 2}, 4, "backfill", False)
    assert updated.updated_at == datetime(2026, 1, 1, 0, 1, tzinfo=UTC)


def test_states_are_kept_per_account_and_resource(store: MetadataStore) -> None:
    store.save_state(ACCOUNT, "charges", {"who": "charges"})
    store.save_state(ACCOUNT, "refunds", {"who": "refunds"})
    store.save_state("acct_other", "charges", {"who": "other"})
    expected = [(ACCOUNT, "charges", "charges"), (ACCOUNT, "refunds", "refunds"), ("acct_other", "charges", "other")]
    for account, resource, who in expected:
        loaded = store.get_state(account, resource)
        assert loaded is not None
        assert loaded.state == {"who": who}


def test_stage_pending_on_a_new_resource_creates_a_row_with_no_current_state(store: MetadataStore) -> None:
    staged = store.stage_pending(ACCOUNT, "charges", 1, {"n": 1}, phase="backfill")
    assert staged.state is None
    assert staged.phase == NEW_PHASE
    assert staged.checkpoint_seq == 0
    assert (staged.pending_seq, staged.pending_state, staged.pending_phase) == (1, {"n": 1}, "backfill")
    assert store.get_state(ACCOUNT, "charges") == staged


def test_stage_leaves_the_current_state_and_promote_replaces_it(store: MetadataStore) -> None:
    store.save_state(ACCOUNT, "charges", {"n": 1}, seq=1, phase="backfill")
    staged = store.stage_pending(ACCOUNT, "charges", 2, {"n": 2}, phase="incremental")
    assert (staged.state, staged.checkpoint_seq, staged.phase) == ({"n": 1}, 1, "backfill")

    promoted = store.promote_pending(ACCOUNT, "charges")
    assert (promoted.state, promoted.checkpoint_seq, promoted.phase) == ({"n": 2}, 2, "incremental")
    assert (promoted.pending_seq, promoted.pending_state, promoted.pending_phase) == (None, None, None)
    assert store.get_state(ACCOUNT, "charges") == promoted


def test_promote_keeps_the_phase_when_none_was_staged(store: MetadataStore) -> None:
    store.save_state(ACCOUNT, "charges", {"n": 1}, seq=1, phase="backfill")
    store.stage_pending(ACCOUNT, "charges", 2, {"n": 2})
    assert store.promote_pending(ACCOUNT, "charges").phase == "backfill"


def test_staging_again_replaces_the_pending_state(store: MetadataStore) -> None:
    store.stage_pending(ACCOUNT, "charges", 1, {"n": 1})
    store.stage_pending(ACCOUNT, "charges", 2, {"n": 2})
    promoted = store.promote_pending(ACCOUNT, "charges")
    assert (promoted.state, promoted.checkpoint_seq) == ({"n": 2}, 2)


def test_promote_without_pending_state_raises(store: MetadataStore) -> None:
    with pytest.raises(NoPendingStateError):
        store.promote_pending(ACCOUNT, "charges")
    store.save_state(ACCOUNT, "charges", {"n": 1}, seq=1)
    with pytest.raises(NoPendingStateError):
        store.promote_pending(ACCOUNT, "charges")
    assert store.get_state(ACCOUNT, "charges").state == {"n": 1}  # type: ignore[union-attr]


def test_discard_drops_only_the_pending_state(store: MetadataStore) -> None:
    store.save_state(ACCOUNT, "charges", {"n": 1}, seq=1, phase="backfill")
    store.stage_pending(ACCOUNT, "charges", 2, {"n": 2}, phase="incremental")
    discarded = store.discard_pending(ACCOUNT, "charges")
    assert (discarded.state, discarded.checkpoint_seq, discarded.phase) == ({"n": 1}, 1, "backfill")
    assert not discarded.has_pending
    assert store.discard_pending(ACCOUNT, "charges") == discarded  # nothing pending: a no-op


def test_discard_on_an_unknown_resource_raises(store: MetadataStore) -> None:
    with pytest.raises(RecordNotFoundError):
        store.discard_pending(ACCOUNT, "charges")


def test_cleared_pending_columns_are_sql_null(store: MetadataStore) -> None:
    store.stage_pending(ACCOUNT, "charges", 1, {"n": 1})
    store.promote_pending(ACCOUNT, "charges")
    with store.engine.connect() as connection:
        row = connection.execute(
            text("SELECT pending_seq IS NULL, pending_state IS NULL, state IS NULL FROM resource_states")
        ).one()
    assert tuple(bool(value) for value in row) == (True, True, False)


def test_reset_clears_state_and_seen_events_but_keeps_the_sequence(store: MetadataStore) -> None:
    store.save_state(ACCOUNT, "charges", {"n": 7}, seq=7, phase="incremental", livemode=True)
    store.stage_pending(ACCOUNT, "charges", 8, {"n": 8})
    store.record_seen(ACCOUNT, "charges", [("evt_1", 100)])
    store.record_seen(ACCOUNT, "refunds", [("evt_1", 100)])

    store.reset(ACCOUNT, "charges")

    after = store.get_state(ACCOUNT, "charges")
    assert after is not None
    assert (after.state, after.phase, after.checkpoint_seq, after.livemode) == (None, NEW_PHASE, 7, True)
    assert not after.has_pending
    assert store.filter_unseen(ACCOUNT, "charges", ["evt_1"]) == {"evt_1"}
    assert store.filter_unseen(ACCOUNT, "refunds", ["evt_1"]) == set()


def test_reset_of_an_unknown_resource_is_harmless(store: MetadataStore) -> None:
    store.reset(ACCOUNT, "charges")
    assert store.get_state(ACCOUNT, "charges") is None


def test_non_json_values_are_refused_and_nothing_is_written(store: MetadataStore) -> None:
    with pytest.raises(TypeError, match="not JSON-serializable"):
        store.save_state(ACCOUNT, "charges", {"when": datetime(2026, 1, 1, tzinfo=UTC)})
    with pytest.raises(TypeError, match="must be a JSON object"):
        store.stage_pending(ACCOUNT, "charges", 1, ["not", "an", "object"])  # type: ignore[arg-type]
    assert store.get_state(ACCOUNT, "charges") is None

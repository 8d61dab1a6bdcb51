"""Fixtures for the lake tests: a temp datasets root, system column values, Stripe-shaped records."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from stripeflow.lake.datasets import StripeDataset, SystemColumns
from tests.lake.factories import OBJECTS, fixture_object, make_charges

MakeSystem = Callable[..., SystemColumns]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "datasets"


@pytest.fixture
def make_system() -> MakeSystem:
    def make(batch_id: str = "batch-1", *, livemode: bool = False, at: datetime | None = None) -> SystemColumns:
        return SystemColumns(
            batch_id=batch_id,
            api_version="2026-07-29.dahlia",
            livemode=livemode,
            account="acct_test",
            ingested_at=at or datetime(2026, 8, 1, 12, 0, tzinfo=UTC),
        )

    return make


@pytest.fixture
def system(make_system: MakeSystem) -> SystemColumns:
    return make_system()


@pytest.fixture
def charges_dataset(root: Path) -> StripeDataset:
    return StripeDataset(root, "charges")


@pytest.fixture
def charges() -> list[dict[str, Any]]:
    """Twenty realistic charges (card, wallets, klarna, affirm, afterpay_clearpay, zip, sepa_debit)."""
    return make_charges(20, seed=4)


@pytest.fixture(params=sorted(OBJECTS))
def resource_and_object(request: pytest.FixtureRequest) -> tuple[str, dict[str, Any]]:
    """Each of the six datasets with its current fixture object."""
    resource: str = request.param
    return resource, fixture_object(OBJECTS[resource])

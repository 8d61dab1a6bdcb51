"""Columnar promotion against row-wise promotion: for the six resources, the same raw rows (emulator objects, the
Stripe fixtures, deliberately broken and randomly mutated objects) promoted both ways must give the same catalog
table and the same errors, and the columnar plan must map the well-formed rows itself."""

from __future__ import annotations

import copy
import json
import os
import random
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa
import pytest

from stripeflow.emulator.build import build_dataset
from stripeflow.emulator.config import RESOURCE_NAMES
from stripeflow.emulator.dataset import DatasetSpec
from stripeflow.lake.catalog import Catalog
from stripeflow.lake.datasets import StripeDataset
from stripeflow.lake.records import Deletion, SystemColumns
from stripeflow.lake.schema import resource_schema
from stripeflow.prep.columnar import ColumnarMapper, Unsupported, compile_columnar
from stripeflow.prep.compiler import compile_mapping
from stripeflow.prep.defaults import default_mapping_set
from stripeflow.prep.mapping import parse_mapping_set
from stripeflow.store import open_store
from stripeflow.store.database import Database
from stripeflow.xdm.stripe_layout import RESOURCES, SINGULAR
from tests.prep.support import ready_made_schemas
from tests.support.clock import FakeClock

#: Random cases per resource (``STRIPEFLOW_COLUMNAR_SEEDS=200`` for a longer hunt).
SEEDS = int(os.environ.get("STRIPEFLOW_COLUMNAR_SEEDS", "3"))
FIXTURES = Path(__file__).resolve().parents[3] / "shared" / "stripe-openapi" / "fixtures3.json"
#: Values of every JSON type (and a few the raw writer stores lossily) that mutations put into records.
ODD_VALUES: list[Any] = [
    "12", "x", "", 12.5, 1.0, 1e20, 2**60, -5, 0, True, False, None, {}, [], [None], [{}], [[1]], ["x", 5],
    {"b": 1, "a": [1, {"z": None}]}, {"id": "cus_Expanded", "object": "customer"}, "ＫＷＤ", 253_402_300_800,
]  # fmt: skip


@cache
def generated(resource: str, count: int = 40) -> tuple[dict[str, Any], ...]:
    spec = DatasetSpec(
        seed=11, account="acct_1ColumnarTest0001", livemode=False, connected=False,
        counts={**dict.fromkeys(RESOURCE_NAMES, 8), resource: count}, anchor=1_750_000_000,
        api_version="2026-07-29.dahlia",
    )  # fmt: skip
    records = build_dataset(spec, parallel=False)[resource].records.values()
    return tuple(orjson.loads(record.body) for record in records)


def fixture(resource: str) -> dict[str, Any]:
    return dict(json.loads(FIXTURES.read_text())["resources"][SINGULAR[resource]])


class Counting:
    """A columnar mapper that counts the rows it maps and leaves to the row-wise mapper."""

    def __init__(self, mapper: ColumnarMapper) -> None:
        self.mapper = mapper
        self.mapped = self.fallback = 0

    @property
    def source_columns(self) -> tuple[str, ...]:
        return self.mapper.source_columns

    def map_table(self, batch: pa.RecordBatch) -> tuple[pa.Table, pa.Array]:
        table, fallback = self.mapper.map_table(batch)
        self.mapped += table.num_rows
        self.fallback += len(fallback)
        return table, fallback


@pytest.fixture
def catalog(tmp_path: Path) -> Iterator[Catalog]:
    store = open_store(f"sqlite:///{tmp_path / 'metadata.db'}")
    try:
        yield Catalog(
            Database(store.engine), tmp_path / "catalog", FakeClock(datetime(2026, 9, 1, tzinfo=UTC)), "O", "p"
        )
    finally:
        store.close()


def write_raw(root: Path, resource: str, records: list[dict[str, Any]], deleted: tuple[str, ...] = ()) -> Path:
    dataset = StripeDataset(root, resource)
    stamp = SystemColumns("raw-1", "2026-07-29.dahlia", False, "acct_test", datetime(2026, 8, 1, tzinfo=UTC))
    dataset.upsert(records, stamp)
    if deleted:
        later = SystemColumns("raw-2", "2026-07-29.dahlia", False, "acct_test", datetime(2026, 8, 2, tzinfo=UTC))
        dataset.mark_deleted([Deletion(item, datetime(2026, 8, 2, tzinfo=UTC)) for item in deleted], later)
    return dataset.path


def promote_both(catalog: Catalog, source: Path, resource: str, body: dict[str, Any] | None = None) -> Counting:
    """Promote ``source`` row-wise and columnar into two datasets; assert equal tables and errors."""
    schema = ready_made_schemas()[resource]
    mapping_set = default_mapping_set(resource) if body is None else parse_mapping_set(body)
    counting = Counting(compile_columnar(mapping_set, schema, resource_schema(resource).kinds))
    mapper = compile_mapping(mapping_set, schema)
    found = []
    for columnar in (None, counting):
        dataset_id = catalog.create_dataset(f"{resource} {columnar is None}", "schema", resolved_schema=schema)
        result = catalog.promote(dataset_id, source, mapper, schema, error_threshold_percent=100, columnar=columnar)
        table = catalog.read_dataset(dataset_id, include_deleted=True).drop_columns(["_batch_id", "_ingested_at"])
        figures = (result.status, result.input_records, result.output_records, result.failed_records)
        errors = catalog.row_errors(result.batch_id, limit=10_000)
        found.append(((*figures, result.deleted_records), result.errors, errors, table.sort_by("_source_id")))
    (figures, summary, errors, table), (columnar_figures, columnar_summary, columnar_errors, columnar_table) = found
    assert columnar_figures == figures
    assert columnar_summary == summary
    assert columnar_errors == errors
    assert_same_rows(columnar_table, table)
    return counting


def assert_same_rows(columnar: pa.Table, rows: pa.Table) -> None:
    assert columnar.schema == rows.schema
    if not columnar.equals(rows):
        for got, expected in zip(columnar.to_pylist(), rows.to_pylist(), strict=True):
            assert got == expected
        raise AssertionError("the tables differ")


@pytest.mark.parametrize("resource", RESOURCES)
def test_emulator_objects_and_the_fixture_map_columnar_as_row_wise(catalog: Catalog, resource: str) -> None:
    records = [copy.deepcopy(record) for record in generated(resource)]
    records.append(fixture(resource))
    deleted = (records[0]["id"], records[1]["id"])
    counting = promote_both(catalog, write_raw(catalog.root / "raw", resource, records, deleted), resource)
    assert counting.mapped >= len(records) - len(deleted) - 2  # all but a guard's false alarm or two


def time_keys(kind: Any) -> set[str]:
    """The keys holding unix times (the raw writer cannot store one beyond int64 microseconds: no odd value
    beyond that goes there)."""
    found: set[str] = set()
    children = kind.items() if isinstance(kind, dict) else [("", kind[0])] if isinstance(kind, list) else []
    for name, child in children:
        found |= {name} if child == "ts" else time_keys(child)
    return found


def odd_values(key: Any, times: set[str]) -> list[Any]:
    return [value for value in ODD_VALUES if key not in times or not isinstance(value, int) or value < 2**40]


def field_variants(base: dict[str, Any], names: list[str], times: set[str]) -> list[dict[str, Any]]:
    """A copy of ``base`` per top-level field and odd value (with its own id)."""
    variants = []
    for name in names:
        for number, value in enumerate(odd_values(name, times)):
            record = copy.deepcopy(base)
            record["id"] = f"{base['id']}_{name}_{number}"
            record[name] = copy.deepcopy(value)
            variants.append(record)
    return variants


def nested_paths(value: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    """Every path below ``value`` (dict keys and list indexes)."""
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in children:
        yield (*prefix, key)
        yield from nested_paths(item, (*prefix, key))


def mutated(record: dict[str, Any], rng: random.Random, count: int, times: set[str]) -> dict[str, Any]:
    """``record`` with ``count`` values at random depths replaced by odd values (never its id)."""
    record = copy.deepcopy(record)
    for _ in range(count):
        paths = [path for path in nested_paths(record) if path != ("id",)]
        *parents, last = rng.choice(paths)
        target: Any = record
        for step in parents:
            target = target[step]
        target[last] = copy.deepcopy(rng.choice(odd_values(last, times)))
    return record


@pytest.mark.parametrize("resource", RESOURCES)
def test_broken_top_level_fields_map_as_row_wise(catalog: Catalog, resource: str) -> None:
    base = copy.deepcopy(generated(resource)[0])
    names = [name for name in resource_schema(resource).kinds if name != "id"]
    records = [copy.deepcopy(base), *field_variants(base, names, time_keys(resource_schema(resource).kinds))]
    counting = promote_both(catalog, write_raw(catalog.root / "raw", resource, records), resource)
    assert counting.fallback > 0
    assert counting.mapped > 0


@pytest.mark.parametrize("resource", RESOURCES)
@pytest.mark.parametrize("seed", range(SEEDS))
def test_randomly_mutated_objects_map_as_row_wise(catalog: Catalog, resource: str, seed: int) -> None:
    rng = random.Random(f"{resource}-{seed}")
    times = time_keys(resource_schema(resource).kinds)
    records = []
    for number, record in enumerate([*generated(resource), fixture(resource)]):
        changed = mutated(record, rng, rng.choice((1, 1, 2, 4)), times) if number % 2 else copy.deepcopy(record)
        records.append(changed)
    counting = promote_both(catalog, write_raw(catalog.root / "raw", resource, records), resource)
    assert counting.mapped >= len(records) // 3


def test_a_raw_table_without_typed_columns_is_mapped_row_wise(catalog: Catalog) -> None:
    from deltalake import write_deltalake

    at = pa.array([datetime(2026, 8, 1, tzinfo=UTC)] * 3, pa.timestamp("us", tz="UTC"))
    good = dict(generated("charges")[0])
    source = catalog.root / "raw" / "charges"
    columns = {"id": [good["id"], "ch_2", "ch_3"], "_raw": [json.dumps(good), "{not json", "[1]"]}
    flags = {"_deleted": [False] * 3, "_deleted_at": pa.nulls(3, pa.timestamp("us", tz="UTC")), "_ingested_at": at}
    write_deltalake(str(source), pa.table({**columns, **flags}))
    counting = promote_both(catalog, source, "charges")
    assert (counting.mapped, counting.fallback) == (0, 3)


def test_later_promotions_upsert_and_delete_as_row_wise(catalog: Catalog) -> None:
    schema = ready_made_schemas()["charges"]
    mapping_set = default_mapping_set("charges")
    mapper = compile_mapping(mapping_set, schema)
    columnar = compile_columnar(mapping_set, schema, resource_schema("charges").kinds)
    records = [copy.deepcopy(record) for record in generated("charges")[:10]]
    dataset = StripeDataset(catalog.root / "raw", "charges")
    ids = {kind: catalog.create_dataset(kind, "schema", resolved_schema=schema) for kind in ("rows", "columns")}
    for step in range(3):
        at = datetime(2026, 8, 1 + step, tzinfo=UTC)
        if step == 1:
            records[0]["amount"] += 1
            records[1]["metadata"] = {"changed": "yes"}
            dataset.upsert(records[:3], SystemColumns("raw-2", "2026-07-29.dahlia", False, "acct_test", at))
        elif step == 2:
            dataset.mark_deleted([Deletion(records[2]["id"], at)], SystemColumns("raw-3", "v", False, "a", at))
        else:
            dataset.upsert(records, SystemColumns("raw-1", "2026-07-29.dahlia", False, "acct_test", at))
        for kind, plan in (("rows", None), ("columns", columnar)):
            catalog.promote(ids[kind], dataset.path, mapper, schema, error_threshold_percent=None, columnar=plan)
    tables = [
        catalog.read_dataset(ids[kind], include_deleted=True).drop_columns(["_batch_id", "_ingested_at"])
        for kind in ("columns", "rows")
    ]
    assert_same_rows(*(table.sort_by("_source_id") for table in tables))
    assert tables[0].num_rows == 10


def test_sets_the_plan_cannot_express_are_refused() -> None:
    schema = ready_made_schemas()["charges"]
    kinds = resource_schema("charges").kinds
    body = {"mappings": [{"sourceType": "EXPRESSION", "source": "lower(data.id)", "destination": "_id"}]}
    with pytest.raises(Unsupported, match="no columnar form"):
        compile_columnar(parse_mapping_set(body), schema, kinds)
    body = {"mappings": [{"source": "data.not_a_column", "destination": "_id"}]}
    with pytest.raises(Unsupported, match="not a raw column"):
        compile_columnar(parse_mapping_set(body), schema, kinds)

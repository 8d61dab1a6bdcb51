"""The map stage of a sync: promote what extraction landed into a resource's catalog dataset.

Runs in the dataset writer process (beside Arrow and Delta), once a resource's extraction has committed: the raw
rows written since the dataset's last promotion are mapped with the target's mapping set, validated against its
schema, and committed to the catalog dataset as one batch (see :meth:`stripeflow.lake.catalog.Catalog.promote`).
Because promotion reads from the raw table, a sync killed between extraction and mapping loses nothing: the next
promotion picks the rows up.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from functools import lru_cache
from pathlib import Path
from typing import Any

import orjson

from stripeflow.lake.catalog import Catalog
from stripeflow.lake.schema import resource_schema
from stripeflow.prep.columnar import ColumnarMapper, Unsupported, compile_columnar
from stripeflow.prep.compiler import Mapper, compile_mapping
from stripeflow.prep.mapping import parse_mapping_set
from stripeflow.store import MetadataStore, open_store
from stripeflow.store.database import Database, utc_now

logger = logging.getLogger(__name__)
#: ``0`` turns the columnar fast path of promotion off (every row is then mapped row-wise from ``_raw``).
COLUMNAR_ENV = "STRIPEFLOW_COLUMNAR_PROMOTION"

_stores: dict[str, MetadataStore] = {}
_stores_lock = threading.Lock()


def _store(url: str) -> MetadataStore:
    with _stores_lock:
        store = _stores.get(url)
        if store is None:
            store = _stores[url] = open_store(url)
        return store


@lru_cache(maxsize=32)
def _mapper(mapping_json: bytes, schema_json: bytes, _digest: str) -> Mapper:
    return compile_mapping(parse_mapping_set(orjson.loads(mapping_json)), orjson.loads(schema_json))


def mapper_for(mapping_set: dict[str, Any], schema: dict[str, Any]) -> Mapper:
    """The compiled mapper of a mapping set for a schema, compiled once per process."""
    mapping_json = orjson.dumps(mapping_set, option=orjson.OPT_SORT_KEYS)
    schema_json = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
    digest = hashlib.sha256(mapping_json + b"\0" + schema_json).hexdigest()
    return _mapper(mapping_json, schema_json, digest)


_plans: dict[str, ColumnarMapper | None] = {}
_plans_lock = threading.Lock()


def columnar_for(mapping_set: dict[str, Any], schema: dict[str, Any], resource: str) -> ColumnarMapper | None:
    """The columnar plan of a mapping set over ``resource``'s raw table (compiled once per process), or ``None``
    when the set has none (or :data:`COLUMNAR_ENV` is ``0``): promotion then maps every row row-wise. The schema's
    property order is the dataset's column order, so it is part of the key."""
    if os.environ.get(COLUMNAR_ENV, "1") == "0":
        return None
    key = hashlib.sha256(b"\0".join([orjson.dumps(mapping_set), orjson.dumps(schema), resource.encode()])).hexdigest()
    with _plans_lock:
        if key in _plans:
            return _plans[key]
    parsed = parse_mapping_set(mapping_set)
    try:
        plan: ColumnarMapper | None = compile_columnar(parsed, schema, resource_schema(resource).kinds)
    except Unsupported as exc:
        logger.info("map: mapping set %r is promoted row-wise: %s", parsed.name or parsed.id, exc)
        plan = None
    with _plans_lock:
        if len(_plans) >= 32:
            _plans.clear()
        _plans[key] = plan
    return plan


def targets(
    settings: dict[str, Any],
    resources: list[str],
    datasets: dict[str, str],
    mappings: dict[str, str],
    error_threshold_percent: float | None,
    *,
    org_id: str | None = None,
    sandbox_name: str | None = None,
    diagnostics: bool = True,
    run_id: str | None = None,
) -> dict[str, dict[str, Any]]:
    """The mapping target of each resource (see :meth:`stripeflow.platform.Platform.mapping_targets`), as JSON, in
    the catalog of ``org_id``/``sandbox_name`` (default: the embedded organization); ``run_id`` marks the batches."""
    from stripeflow.platform import DEFAULT_ORG_ID, DEFAULT_SANDBOX, Platform
    from stripeflow.settings import Settings

    resolved = Settings(**settings)
    platform = Platform(
        resolved,
        _store(resolved.metadata_url),
        org_id=org_id or DEFAULT_ORG_ID,
        sandbox_name=sandbox_name or DEFAULT_SANDBOX,
    )
    chosen = platform.mapping_targets(
        resources,
        datasets=datasets,
        mappings=mappings,
        error_threshold_percent=error_threshold_percent,
        diagnostics=diagnostics,
    )
    return {name: {**target.to_json(), "run_id": run_id} for name, target in chosen.items()}


def promote(target: dict[str, Any], raw_table: str, source_batch_id: str | None) -> dict[str, Any]:
    """Promote ``raw_table``'s new rows into ``target``'s dataset (a :class:`~stripeflow.platform.MappingTarget`
    as JSON); returns the batch's figures."""
    store = _store(str(target["metadata_url"]))
    catalog = Catalog(
        Database(store.engine),
        Path(target["catalog_root"]),
        utc_now,
        str(target["org_id"]),
        str(target["sandbox_name"]),
        int(target["retention_days"]),
    )
    schema = target["resolved_schema"]
    result = catalog.promote(
        str(target["dataset_id"]),
        Path(raw_table),
        mapper_for(target["mapping_set"], schema),
        schema,
        error_threshold_percent=target["error_threshold_percent"],
        diagnostics=bool(target["diagnostics"]),
        source_batch_id=source_batch_id,
        run_id=target.get("run_id"),
        columnar=columnar_for(target["mapping_set"], schema, str(target.get("resource") or Path(raw_table).name)),
    )
    # Retention: each promotion also drops the row-error diagnostics whose time is up (batches keep their figures).
    catalog.purge_expired_diagnostics()
    return {
        "dataset_id": target["dataset_id"],
        "batch_id": result.batch_id,
        "status": str(result.status),
        "input": result.input_records,
        "output": result.output_records,
        "failed": result.failed_records,
        "deleted": result.deleted_records,
        "errors": result.errors,
    }

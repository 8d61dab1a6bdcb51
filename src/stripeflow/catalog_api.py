"""The Python API of schemas, mapping sets and catalog datasets, for notebooks and orchestrators.

>>> from stripeflow import catalog_api as catalog
>>> from stripeflow.settings import Settings
>>> settings = Settings(data_dir="/data/stripe")
>>> catalog.load_dataset(settings, "charges", output="polars")        # the ready-made "Stripe Charges" dataset
>>> [batch["status"] for batch in catalog.list_batches(settings, "charges")]
>>> catalog.row_errors(settings, batch_id)[0]["_errors"]
>>> catalog.preview_mapping(settings, "my-mapping.json", records=[{"id": "ch_1", ...}])

Datasets are named by id (24 hex digits), by name ("Stripe Charges") or, for the ready-made ones, by resource.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import orjson

from stripeflow.errors import ConfigurationError
from stripeflow.platform import DEFAULT_ORG_ID, DEFAULT_SANDBOX, Platform
from stripeflow.prep.checks import preview, validate_mapping_set
from stripeflow.prep.defaults import default_mapping_set
from stripeflow.prep.mapping import MappingSet, parse_mapping_set
from stripeflow.settings import Settings
from stripeflow.store import open_store
from stripeflow.stripe.resources import RESOURCES

if TYPE_CHECKING:
    import pyarrow as pa

Output = Literal["arrow", "pandas", "polars"]

#: Records a preview samples from Stripe when none are given (the explore preview).
PREVIEW_SAMPLE = 5


@contextmanager
def open_platform(
    settings: Settings, *, org_id: str = DEFAULT_ORG_ID, sandbox_name: str = DEFAULT_SANDBOX
) -> Iterator[Platform]:
    """The registry, catalog and mapping sets of one organization and sandbox, on the settings' metadata store."""
    store = open_store(settings.metadata_url)
    try:
        yield Platform(settings, store, org_id=org_id, sandbox_name=sandbox_name)
    finally:
        store.close()


# -- schemas ------------------------------------------------------------------------------------------------------


def list_schemas(settings: Settings) -> list[dict[str, Any]]:
    """The tenant schemas (the six ready-made Stripe schemas are created on first use) as listed by the registry."""
    with open_platform(settings) as platform:
        platform.registry.ensure_stripe_defaults()
        listed = platform.registry.list("schemas", "tenant", limit=300, full=True)
    results: list[dict[str, Any]] = listed["results"]
    return results


def schema_ref(platform: Platform, reference: str) -> str:
    """A schema ``$id`` from an id, a ``meta:altId``, a title, or a resource name (its ready-made schema)."""
    defaults = platform.registry.ensure_stripe_defaults()
    if reference in defaults:
        return defaults[reference]
    for item in platform.registry.list("schemas", "tenant", limit=300)["results"]:
        if reference in (item.get("$id"), item.get("meta:altId"), item.get("title")):
            return str(item["$id"])
    return reference  # the registry says precisely what is missing


def get_schema(settings: Settings, reference: str, *, full: bool = True) -> dict[str, Any]:
    """A schema, resolved (``xed-full``: every ``$ref`` and ``allOf`` expanded) unless ``full`` is false."""
    with open_platform(settings) as platform:
        return platform.registry.get(schema_ref(platform, reference), form="xed-full" if full else "xed")


def export_schema(settings: Settings, reference: str) -> dict[str, Any]:
    """A schema as a standalone JSON Schema (draft 2020-12)."""
    with open_platform(settings) as platform:
        return platform.registry.export_json_schema(schema_ref(platform, reference))


# -- mapping sets ---------------------------------------------------------------------------------------------------


def read_mapping_set(platform: Platform, reference: str | dict[str, Any]) -> MappingSet:
    """A mapping set from a body, a JSON file, a stored id, or a resource name (its default mapping set)."""
    if isinstance(reference, dict):
        return parse_mapping_set(reference)
    if reference in RESOURCES:
        schema_id = platform.registry.ensure_stripe_defaults()[reference]
        return default_mapping_set(reference, platform.settings.tenant_id, schema_id=schema_id)
    return platform.load_mapping_set(reference)


def _mapping_schema(platform: Platform, mapping_set: MappingSet, schema: str | None) -> dict[str, Any]:
    reference = schema or mapping_set.schema_id
    if reference is None:
        raise ConfigurationError(
            "the mapping set names no output schema: pass --schema (a schema id, title or resource name) "
            "or set outputSchema.schemaRef.id in the mapping set"
        )
    return platform.registry.resolve(schema_ref(platform, reference))


def validate_mapping(
    settings: Settings, mapping: str | dict[str, Any], *, schema: str | None = None
) -> list[dict[str, Any]]:
    """One ``{"status": "SUCCESS"|"ERROR", "errors": [...]}`` per mapping, checked against the output schema."""
    with open_platform(settings) as platform:
        mapping_set = read_mapping_set(platform, mapping)
        resolved = _mapping_schema(platform, mapping_set, schema)
        return [item.to_json() for item in validate_mapping_set(mapping_set, resolved)]


def preview_mapping(
    settings: Settings,
    mapping: str | dict[str, Any],
    *,
    records: Sequence[Any] | None = None,
    resource: str | None = None,
    schema: str | None = None,
    limit: int = PREVIEW_SAMPLE,
) -> list[dict[str, Any]]:
    """Map sample records without ingesting them: ``[{"data": <row or None>, "errors": [...] | None}]``.

    ``records`` are Stripe objects (wrapped as ``{"data": object}`` here, as a sync does); without them, ``limit``
    records of ``resource`` are read from Stripe with the settings' access token, as the explore preview does."""
    with open_platform(settings) as platform:
        mapping_set = read_mapping_set(platform, mapping)
        resolved = _mapping_schema(platform, mapping_set, schema)
    if records is None:
        if resource is None:
            raise ConfigurationError("give sample records (--records FILE) or a resource to sample from Stripe")
        records = asyncio.run(sample_records(settings, resource, limit))
    return preview(mapping_set, resolved, [{"data": record} for record in records])


async def sample_records(settings: Settings, resource: str, limit: int) -> list[dict[str, Any]]:
    """The newest ``limit`` objects of ``resource`` (every status), read from Stripe."""
    from stripeflow.stripe.client import StripeClient
    from stripeflow.stripe.ratelimit import RequestBudget
    from stripeflow.stripe.resources import resolve

    if settings.access_token is None:
        raise ConfigurationError("sampling from Stripe needs a key: pass --access-token or set STRIPEFLOW_ACCESS_TOKEN")
    (spec,) = resolve(resource)
    client = StripeClient(
        settings.access_token.get_secret_value(),
        api_base=settings.stripe_api_base,
        api_version=settings.stripe_version,
        budget=RequestBudget(5.0, 5.0),
    )
    try:
        page = await client.get(
            spec.path, {**spec.passes[0], "limit": str(min(max(limit, 1), 100))}, resource=spec.name
        )
    finally:
        await client.aclose()
    return [item for item in page.get("data") or [] if isinstance(item, dict)]


def load_records(path: Path) -> list[Any]:
    """Sample records from a JSON file: an array, one object, a Stripe list (``{"data": [...]}``) or JSON Lines."""
    text = path.read_bytes()
    try:
        loaded = orjson.loads(text)
    except orjson.JSONDecodeError:
        try:
            return [orjson.loads(line) for line in text.splitlines() if line.strip()]
        except orjson.JSONDecodeError as exc:
            raise ConfigurationError(f"{path} is neither JSON nor JSON Lines: {exc}") from None
    if isinstance(loaded, dict) and isinstance(loaded.get("data"), list) and loaded.get("object") == "list":
        return list(loaded["data"])
    return loaded if isinstance(loaded, list) else [loaded]


# -- datasets, batches, row errors ----------------------------------------------------------------------------------


def dataset_id(platform: Platform, reference: str) -> str:
    """A catalog dataset id from an id, a dataset name, or a resource name (its ready-made dataset)."""
    found = platform.catalog.list_datasets(limit=100)
    if reference in found:
        return reference
    named = [key for key, body in found.items() if body.get("name") == reference]
    if len(named) == 1:
        return named[0]
    if len(named) > 1:
        raise ConfigurationError(f"{len(named)} datasets are named {reference!r}; use one of their ids: {named}")
    if reference in RESOURCES:
        return platform.default_dataset(reference)
    names = ", ".join(sorted(str(body.get("name")) for body in found.values())) or "none yet"
    raise ConfigurationError(
        f"no dataset {reference!r}: give a dataset id, a name ({names}) or a resource ({', '.join(RESOURCES)})"
    )


def list_catalog_datasets(settings: Settings) -> dict[str, dict[str, Any]]:
    """Every catalog dataset: ``{id: {name, schemaRef, created, updated, tags, ...}}``."""
    with open_platform(settings) as platform:
        return platform.catalog.list_datasets(limit=100)


def load_dataset(
    settings: Settings,
    dataset: str,
    *,
    output: Output = "arrow",
    include_deleted: bool = False,
    org_id: str = DEFAULT_ORG_ID,
    sandbox_name: str = DEFAULT_SANDBOX,
) -> Any:
    """A catalog dataset's rows as a pyarrow Table, a pandas DataFrame or a Polars DataFrame; ``org_id`` and
    ``sandbox_name`` choose the catalog (that of the REST API's callers, e.g. ``x-gw-ims-org-id``)."""
    with open_platform(settings, org_id=org_id, sandbox_name=sandbox_name) as platform:
        table: pa.Table = platform.catalog.read_dataset(dataset_id(platform, dataset), include_deleted=include_deleted)
    if output == "pandas":
        return table.to_pandas()
    if output == "polars":
        import polars

        return polars.from_arrow(table)
    return table


def dataset_path(settings: Settings, dataset: str) -> Path:
    """The folder of a catalog dataset's Delta table (for DuckDB ``delta_scan``, Polars ``read_delta``, Spark)."""
    with open_platform(settings) as platform:
        return platform.catalog.table_path(dataset_id(platform, dataset))


def list_batches(settings: Settings, dataset: str | None = None, *, limit: int = 50) -> list[dict[str, Any]]:
    """Catalog batches, newest first, each ``{"id": ..., "status": ..., "metrics": ..., "errors": ...}``."""
    with open_platform(settings) as platform:
        chosen = None if dataset is None else dataset_id(platform, dataset)
        listed = platform.catalog.list_batches(dataset_id=chosen, limit=limit)
    return [{"id": key, **body} for key, body in listed.items()]


def row_errors(settings: Settings, batch_id: str, *, limit: int = 100, offset: int = 0) -> list[dict[str, Any]]:
    """A batch's rejected rows: ``{"_corrupt_record", "_errors": [{code, message}], "_filename"}``."""
    with open_platform(settings) as platform:
        return platform.catalog.row_errors(batch_id, limit=limit, offset=offset)

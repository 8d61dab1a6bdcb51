"""The platform services of one organization and sandbox: Schema Registry, Catalog and Data Prep, composed from
the settings and the metadata store. The CLI, the Python API and the REST API all go through it.

It also decides where a sync's records land after extraction: for each resource a :class:`MappingTarget` (a
catalog dataset bound to an XDM schema, the mapping set that fills it, and the error threshold). Without an
explicit choice, a resource lands in its ready-made dataset ("Stripe Charges", ...) through its default mapping
set; both are created on first use.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from stripeflow.errors import ConfigurationError
from stripeflow.lake.catalog import Catalog
from stripeflow.prep.defaults import default_mapping_set
from stripeflow.prep.errors import MappingSetError
from stripeflow.prep.mapping import MappingSet, parse_mapping_set
from stripeflow.prep.repository import MappingSetRepository
from stripeflow.settings import Settings
from stripeflow.store import MetadataStore
from stripeflow.store.database import Clock, Database, utc_now
from stripeflow.xdm import RegistryScope, SchemaRegistry
from stripeflow.xdm.errors import NotFoundError
from stripeflow.xdm.stripe_layout import SINGULAR

#: The organization of the embedded default (the CLI and the Python API, where no ``x-gw-ims-org-id`` is sent).
DEFAULT_ORG_ID = "stripeflow@AdobeOrg"
DEFAULT_SANDBOX = "prod"

#: Tags that mark a ready-made dataset (``stripeflow:resource`` names the Stripe resource it holds).
RESOURCE_TAG = "stripeflow:resource"
DEFAULT_TAG = "stripeflow:default"


@dataclass(frozen=True)
class MappingTarget:
    """Where one resource's records go after extraction; plain data, so the dataset writer process can run it."""

    resource: str
    dataset_id: str
    schema_id: str
    resolved_schema: dict[str, Any]
    mapping_set: dict[str, Any]  # the mapping set's body
    error_threshold_percent: float | None
    diagnostics: bool
    org_id: str
    sandbox_name: str
    catalog_root: str
    metadata_url: str
    retention_days: int

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


class Platform:
    """Registry, Catalog and mapping sets of one organization and sandbox."""

    def __init__(
        self,
        settings: Settings,
        store: MetadataStore,
        *,
        org_id: str = DEFAULT_ORG_ID,
        sandbox_name: str = DEFAULT_SANDBOX,
        clock: Clock = utc_now,
    ) -> None:
        self.settings = settings
        self.store = store
        self.org_id = org_id
        self.sandbox_name = sandbox_name
        db = Database(store.engine)
        self.registry = SchemaRegistry(db, RegistryScope(org_id, sandbox_name, settings.tenant_id), clock=clock)
        self.catalog = Catalog(
            db, settings.catalog_dir, clock, org_id, sandbox_name, settings.diagnostics_retention_days
        )
        self.mapping_sets = MappingSetRepository(db, clock, org_id, sandbox_name)

    # -- ready-made targets ---------------------------------------------------------------------------------------

    def default_dataset(self, resource: str) -> str:
        """The id of ``resource``'s ready-made dataset, created (with its schema) on first use."""
        schema_id = self.registry.ensure_stripe_defaults()[resource]
        found = self.catalog.list_datasets(limit=100, schema_id=schema_id)
        for dataset_id, body in found.items():
            tags = body.get("tags") or {}
            if resource in (tags.get(RESOURCE_TAG) or []) and tags.get(DEFAULT_TAG):
                return dataset_id
        title = f"Stripe {SINGULAR[resource].replace('_', ' ').title()}s"
        return self.catalog.create_dataset(
            title,
            schema_id,
            description=f"Stripe {resource}, mapped onto the ready-made schema by the default mapping set.",
            tags={RESOURCE_TAG: [resource], DEFAULT_TAG: ["true"]},
            resolved_schema=self.registry.resolve(schema_id),
        )

    def mapping_targets(
        self,
        resources: Sequence[str],
        *,
        datasets: Mapping[str, str] | None = None,
        mappings: Mapping[str, str] | None = None,
        error_threshold_percent: float | None = None,
        diagnostics: bool = True,
    ) -> dict[str, MappingTarget]:
        """A target per resource: ``datasets`` and ``mappings`` choose another dataset id or mapping set (an id in
        the store or a path to a JSON file) for some resources; the others use the ready-made ones."""
        datasets = dict(datasets or {})
        mappings = dict(mappings or {})
        unknown = sorted((set(datasets) | set(mappings)) - set(resources))
        if unknown:
            raise ConfigurationError(
                f"--dataset/--mapping name resources that are not synced: {', '.join(unknown)}; "
                f"sync them too or drop the option (synced: {', '.join(resources)})"
            )
        return {
            resource: self._target(
                resource, datasets.get(resource), mappings.get(resource), error_threshold_percent, diagnostics
            )
            for resource in resources
        }

    def _target(
        self,
        resource: str,
        dataset_id: str | None,
        mapping: str | None,
        threshold: float | None,
        diagnostics: bool,
    ) -> MappingTarget:
        dataset_id = dataset_id or self.default_dataset(resource)
        dataset = self.catalog.get_dataset(dataset_id)[dataset_id]
        schema_id = str(dataset["schemaRef"]["id"])
        mapping_set = self.load_mapping_set(mapping) if mapping else None
        if mapping_set is None:
            mapping_set = default_mapping_set(resource, self.settings.tenant_id, schema_id=schema_id)
        elif mapping_set.schema_id and mapping_set.schema_id != schema_id:
            raise ConfigurationError(
                f"the mapping set for {resource} targets schema {mapping_set.schema_id} but dataset {dataset_id} "
                f"holds schema {schema_id}; choose a dataset of that schema with --dataset {resource}=ID"
            )
        return MappingTarget(
            resource=resource,
            dataset_id=dataset_id,
            schema_id=schema_id,
            resolved_schema=self.registry.resolve(schema_id),
            mapping_set=mapping_set.to_body(),
            error_threshold_percent=threshold,
            diagnostics=diagnostics or threshold is not None,
            org_id=self.org_id,
            sandbox_name=self.sandbox_name,
            catalog_root=str(self.settings.catalog_dir),
            metadata_url=self.settings.metadata_url,
            retention_days=self.settings.diagnostics_retention_days,
        )

    def load_mapping_set(self, reference: str) -> MappingSet:
        """A mapping set by id (from the store) or from a JSON file (either shape)."""
        path = Path(reference)
        if path.suffix == ".json" or path.exists():
            try:
                body = orjson.loads(path.read_bytes())
            except FileNotFoundError:
                raise ConfigurationError(f"mapping set file {reference} does not exist") from None
            except orjson.JSONDecodeError as exc:
                raise ConfigurationError(f"mapping set file {reference} is not valid JSON: {exc}") from None
            try:
                return parse_mapping_set(body)
            except MappingSetError as exc:
                raise ConfigurationError(f"mapping set file {reference}: {exc}") from None
        try:
            return parse_mapping_set(self.mapping_sets.get(reference))
        except (NotFoundError, LookupError) as exc:
            raise ConfigurationError(
                f"no mapping set {reference!r}: pass a mapping set id from `stripeflow mappings list` "
                "or the path of a JSON file"
            ) from exc

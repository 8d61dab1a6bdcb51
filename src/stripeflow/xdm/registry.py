"""The Schema Registry of one organization's sandbox: resources, their revisions, and descriptors.

Every method is one short transaction and returns the JSON body the Experience Platform's Schema Registry API
returns for the same call, so the REST layer only picks the status code.
"""

from __future__ import annotations

import builtins
import copy
from collections.abc import Callable, Sequence
from typing import Any

from stripeflow.store.database import Clock, Database, utc_now
from stripeflow.xdm.descriptors import Identity, identity_of
from stripeflow.xdm.documents import prepare, referrers_of
from stripeflow.xdm.errors import ConflictError, InvalidSchemaError, NotFoundError
from stripeflow.xdm.evolution import breaking_changes, raise_if_breaking
from stripeflow.xdm.forms import render, to_json_schema
from stripeflow.xdm.kinds import TENANT_KINDS, Container, Form, Kind, RegistryScope, new_tenant_id, tenant_prefix
from stripeflow.xdm.listing import MAX_LIMIT, list_body
from stripeflow.xdm.patching import apply_patch
from stripeflow.xdm.registry_descriptors import DescriptorStore
from stripeflow.xdm.resolve import Doc, Resolver, ref_closure
from stripeflow.xdm.stripe_defaults import ensure_stripe_defaults
from stripeflow.xdm.tables import RegistryTables, next_version, ordered, registry_metadata

#: How many resources ``stats()`` lists as recently created and recently updated.
RECENT = 5


class SchemaRegistry(DescriptorStore):
    """Classes, field groups, data types and schemas of ``scope``, on the metadata database ``db``.

    Built-in (global) resources are read-only and the same in every sandbox; tenant resources are created,
    changed (each change a new revision and a minor ``version`` bump, refused when it would break stored data)
    and deleted here.
    """

    def __init__(self, db: Database, scope: RegistryScope, *, clock: Clock = utc_now) -> None:
        self._db = db
        self.scope = scope
        self._clock = clock

    # --- resources -----------------------------------------------------------------------------------------------

    def create(self, kind: Kind | str, body: object, *, resource_id: str | None = None) -> Doc:
        """Store a new tenant resource; returns it (the 201 body) at version ``"1.0"``.

        ``resource_id`` fixes the ``$id`` (the ready-made Stripe resources use stable ones); by default it ends
        in 32 random hex digits.
        """
        kind = _tenant_kind(kind)
        prefix = tenant_prefix(self.scope, kind)
        resource_id = resource_id or new_tenant_id(self.scope, kind)
        if not resource_id.startswith(prefix) or resource_id == prefix:
            raise InvalidSchemaError(f"a tenant {kind.value} $id starts with {prefix}", [{"$id": resource_id}])
        with self._db.writing() as session:
            tables = RegistryTables(session, self.scope)
            if tables.row(resource_id) is not None:
                raise ConflictError(
                    f"{resource_id} already exists: update it with PATCH or PUT", [{"$id": resource_id}]
                )
            doc = prepare(kind, body, self.scope, resource_id, tables.lookup)
            self._check_title(tables, kind, doc)
            now = self._clock()
            doc["version"] = "1.0"
            doc["meta:registryMetadata"] = registry_metadata(now, now, resource_id, 1)
            doc = ordered(doc)
            tables.insert(kind, doc, now)
            return copy.deepcopy(doc)

    def get(
        self,
        ref: str,
        *,
        kind: Kind | str | None = None,
        container: Container | str | None = None,
        form: Form | str = Form.XED,
        version: str | None = None,
    ) -> Doc:
        """One resource by ``$id`` (URL-encoded or not) or ``meta:altId``, in an Accept ``form``.

        ``version`` (``"1.2"``) returns that revision; a major version alone (``"1"``) means the latest.
        """
        wanted = None if kind is None else Kind.parse(kind)
        with self._db.reading() as session:
            tables = RegistryTables(session, self.scope)
            doc = tables.find(ref, kind=wanted, container=container)
            if version is not None and "." in version and version != doc.get("version"):
                doc = self._revision_body(tables, doc, version)
            form = Form.parse(form)
            descriptors = self._descriptor_docs(tables, doc["$id"]) if form is Form.XED_FULL_DESC else None
            return ordered(render(doc, form, Resolver(tables.lookup), descriptors))

    def resolve(self, ref: str, *, deprecated: bool = False) -> Doc:
        """The ``xed-full`` form: one nested ``properties`` tree (see :mod:`stripeflow.xdm.resolve`).

        With ``deprecated=True``, fields marked deprecated are kept (the ``xed-deprecatefield`` form).
        """
        return self.get(ref, form=Form.XED_DEPRECATEFIELD if deprecated else Form.XED_FULL)

    def export_json_schema(self, ref: str) -> Doc:
        """The resolved resource as a standalone JSON Schema (draft 2020-12) without ``meta:`` keys."""
        return to_json_schema(self.resolve(ref, deprecated=True))

    def list(
        self,
        kind: Kind | str,
        container: Container | str = Container.TENANT,
        *,
        start: str | None = None,
        limit: int = MAX_LIMIT,
        orderby: str | None = None,
        property_filter: str | Sequence[str] | None = None,
        full: bool = False,
    ) -> Doc:
        """A page of a container's resources of ``kind`` (the ``xed-id`` body; ``full`` gives whole documents)."""
        kind, container = Kind.parse(kind), Container(container)
        with self._db.reading() as session:
            docs = RegistryTables(session, self.scope).docs(kind, container)
        return list_body(
            docs,
            f"/{container.value}/{kind.path}",
            start=start,
            limit=limit,
            orderby=orderby,
            property_filter=property_filter,
            full=full,
        )

    def patch(self, ref: str, ops: object) -> Doc:
        """Apply JSON Patch operations (``add``/``replace``/``remove``) to a tenant resource; returns it."""
        return self._change(ref, lambda current: apply_patch(current, ops))

    def replace(self, ref: str, body: object) -> Doc:
        """Replace a tenant resource's document (PUT); the registry's own keys are kept."""
        return self._change(ref, lambda _current: body)

    def delete(self, ref: str) -> None:
        """Delete a tenant resource, its revisions and (for a schema) its descriptors; refused while in use."""
        with self._db.writing() as session:
            tables = RegistryTables(session, self.scope)
            doc = self._tenant_doc(tables, ref)
            users = referrers_of(doc["$id"], [row.body for row in tables.tenant_rows()])
            users_by_descriptor = [
                row.source_schema
                for row in tables.descriptor_rows()
                if row.body.get("xdm:destinationSchema") == doc["$id"]
            ]
            if users or users_by_descriptor:
                names = [f"{user['title']!r} ({user['$id']})" for user in users] + users_by_descriptor
                raise ConflictError(
                    f"{doc['title']!r} is used by {', '.join(names)}: remove it from them first, then delete it",
                    [{"$id": user, "reason": "in_use"} for user in [u["$id"] for u in users] + users_by_descriptor],
                )
            for descriptor in tables.descriptor_rows(doc["$id"]):
                session.delete(descriptor)
            row = tables.row(doc["$id"], lock=True)
            assert row is not None
            tables.remove(row)

    def revisions(self, ref: str) -> builtins.list[Doc]:
        """Every stored revision, oldest first: ``{"revision", "version", "created", "body"}``."""
        with self._db.reading() as session:
            tables = RegistryTables(session, self.scope)
            doc = self._tenant_doc(tables, ref)
            return [
                {
                    "revision": rev.revision,
                    "version": rev.version,
                    "created": rev.created_at.isoformat(),
                    "body": rev.body,
                }
                for rev in tables.revisions(doc["$id"])
            ]

    def stats(self) -> Doc:
        """The ``GET /stats`` body: organization, tenant, counts, recent resources and class usage."""
        with self._db.reading() as session:
            tables = RegistryTables(session, self.scope)
            rows = tables.tenant_rows()
            global_docs = {kind: tables.docs(kind, Container.GLOBAL) for kind in TENANT_KINDS}
        tenant_counts = _counts({kind: [row for row in rows if row.kind == kind.value] for kind in TENANT_KINDS})
        usage: dict[str, list[Doc]] = {}
        for row in rows:
            if row.kind == Kind.SCHEMA.value:
                usage.setdefault(row.body["meta:class"], []).append(
                    {"$id": row.id, "title": row.title, "description": row.body.get("description", "")}
                )
        created = sorted(rows, key=lambda row: (row.created_at, row.id), reverse=True)[:RECENT]
        updated = sorted(rows, key=lambda row: (row.updated_at, row.id), reverse=True)[:RECENT]
        return {
            "imsOrg": self.scope.org_id,
            "tenantId": self.scope.tenant_id,
            "counts": tenant_counts,
            "countsByContainer": {"global": _counts(global_docs), "tenant": tenant_counts},
            "recentlyCreatedResources": [_recent(row.body, "meta:created", row.created_at) for row in created],
            "recentlyUpdatedResources": [_recent(row.body, "meta:updated", row.updated_at) for row in updated],
            "classUsage": usage,
        }

    def ensure_stripe_defaults(self) -> dict[str, str]:
        """Create the ready-made Stripe classes, field groups, schemas and identity descriptors where missing.

        Returns resource → schema ``$id``; see :mod:`stripeflow.xdm.stripe_defaults`.
        """
        return ensure_stripe_defaults(self)

    def identities(self, schema_ref: str) -> builtins.list[Identity]:
        """The identity fields of a schema, primary first."""
        descriptors = self.list_descriptors(schema_ref)
        found = [identity_of(d) for d in descriptors if d["@type"] == "xdm:descriptorIdentity"]
        return sorted(found, key=lambda identity: not identity.primary)

    # --- helpers -------------------------------------------------------------------------------------------------

    def _change(self, ref: str, make_body: Callable[[Doc], object]) -> Doc:
        with self._db.writing() as session:
            tables = RegistryTables(session, self.scope)
            row = tables.row(self._tenant_doc(tables, ref)["$id"], lock=True)
            assert row is not None
            kind = Kind(row.kind)
            doc = prepare(kind, make_body(copy.deepcopy(row.body)), self.scope, row.id, tables.lookup)
            self._check_title(tables, kind, doc)
            self._check_evolution(tables, kind, row.body, doc)
            now = self._clock()
            doc["version"] = next_version(row.version)
            doc["meta:registryMetadata"] = registry_metadata(row.created_at, now, row.id, row.revision + 1)
            doc = ordered(doc)
            tables.update(row, doc, now)
            return copy.deepcopy(doc)

    def _check_evolution(self, tables: RegistryTables, kind: Kind, old: Doc, new: Doc) -> None:
        """Refuse the change when it would break a schema: the schema itself, or every schema using ``old``."""
        view = tables.with_overlay(new)
        if kind is Kind.SCHEMA:
            pairs = [(old, new)]
        else:
            schemas = [row.body for row in tables.tenant_rows(Kind.SCHEMA)]
            pairs = [(schema, schema) for schema in schemas if old["$id"] in ref_closure(schema, tables.lookup)]
        for before, after in pairs:
            if kind is not Kind.SCHEMA:  # the schema must still compose: compatible, no conflicting paths
                prepare(Kind.SCHEMA, after, self.scope, after["$id"], view.lookup)
            details = breaking_changes(Resolver(tables.lookup).document(before), Resolver(view.lookup).document(after))
            cause = "" if kind is Kind.SCHEMA else f"{kind.value} {old['title']!r}"
            raise_if_breaking(after["title"], after["$id"], details, cause)

    def _check_title(self, tables: RegistryTables, kind: Kind, doc: Doc) -> None:
        other = tables.title_taken(kind, doc["title"], doc["$id"])
        if other is not None:
            raise ConflictError(
                f"a tenant {kind.value} titled {doc['title']!r} already exists ({other}): choose another title",
                [{"path": "title", "reason": "duplicate_title", "$id": other}],
            )

    def _tenant_doc(self, tables: RegistryTables, ref: str) -> Doc:
        doc = tables.find(ref)
        if doc.get("meta:containerId") != Container.TENANT.value:
            raise InvalidSchemaError(
                f"{doc['$id']} is a global resource and read-only: create a tenant resource instead",
                [{"$id": doc["$id"], "reason": "read_only"}],
            )
        return doc

    def _revision_body(self, tables: RegistryTables, doc: Doc, version: str) -> Doc:
        for revision in tables.revisions(doc["$id"]):
            if revision.version == version:
                return revision.body
        raise NotFoundError(
            f"{doc['$id']} has no version {version}: its versions run from 1.0 to {doc.get('version')}",
            [{"$id": doc["$id"], "version": version, "reason": "unknown_version"}],
        )


def _tenant_kind(kind: Kind | str) -> Kind:
    parsed = Kind.parse(kind)
    if parsed not in TENANT_KINDS:
        raise InvalidSchemaError(
            f"{parsed.path} are global only; create one of classes, fieldgroups, datatypes, schemas"
        )
    return parsed


def _counts(by_kind: dict[Kind, Any]) -> Doc:
    return {kind.resource_type: len(by_kind.get(kind, [])) for kind in TENANT_KINDS} | {"unions": 0}


def _recent(doc: Doc, key: str, when: Any) -> Doc:
    return {
        "title": doc["title"],
        "description": doc.get("description", ""),
        "meta:resourceType": doc["meta:resourceType"],
        key: when.strftime("%b %d, %Y"),
        "version": doc["version"],
        "meta:altId": doc["meta:altId"],
        "$id": doc["$id"],
    }

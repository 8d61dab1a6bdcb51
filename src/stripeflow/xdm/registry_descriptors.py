"""The descriptor half of :class:`~stripeflow.xdm.registry.SchemaRegistry` (``/tenant/descriptors``)."""

from __future__ import annotations

import uuid
from typing import Any

from stripeflow.store.database import Clock, Database
from stripeflow.store.models import XdmDescriptor
from stripeflow.xdm.descriptors import merged_update, prepare_descriptor
from stripeflow.xdm.errors import NotFoundError
from stripeflow.xdm.forms import drop_deprecated
from stripeflow.xdm.kinds import Container, Kind, RegistryScope
from stripeflow.xdm.resolve import Doc, Resolver
from stripeflow.xdm.tables import RegistryTables


class DescriptorStore:
    """Descriptors of the tenant schemas of one scope."""

    _db: Database
    _clock: Clock
    scope: RegistryScope

    def create_descriptor(self, body: object) -> Doc:
        """Store a descriptor; returns it with its ``@id`` (the 201 body)."""
        with self._db.writing() as session:
            tables = RegistryTables(session, self.scope)
            descriptor_id = uuid.uuid4().hex
            existing = [row.body for row in tables.descriptor_rows()]
            doc = prepare_descriptor(
                body, descriptor_id=descriptor_id, org_id=self.scope.org_id, trees=_trees(tables), existing=existing
            )
            now = self._clock()
            session.add(
                XdmDescriptor(
                    org_id=self.scope.org_id,
                    sandbox_name=self.scope.sandbox_name,
                    id=descriptor_id,
                    type=doc["@type"],
                    source_schema=doc["xdm:sourceSchema"],
                    body=doc,
                    created_at=now,
                    updated_at=now,
                )
            )
            return doc

    def list_descriptors(self, schema: str | None = None, *, form: str = "xdm") -> Any:
        """The descriptors (of one schema): ``xdm`` → list of objects; ``xdm-id`` → list of ``@id``s;
        ``xdm-link`` → ``{@type: ["/descriptors/{@id}", ...]}``."""
        with self._db.reading() as session:
            tables = RegistryTables(session, self.scope)
            schema_id = None if schema is None else tables.find(schema, kind=Kind.SCHEMA)["$id"]
            docs = [row.body for row in tables.descriptor_rows(schema_id)]
        if form == "xdm-id":
            return [doc["@id"] for doc in docs]
        if form == "xdm-link":
            links: dict[str, list[str]] = {}
            for doc in docs:
                links.setdefault(doc["@type"], []).append(f"/descriptors/{doc['@id']}")
            return links
        return docs

    def get_descriptor(self, descriptor_id: str) -> Doc:
        with self._db.reading() as session:
            body: Doc = RegistryTables(session, self.scope).descriptor_row(descriptor_id).body
            return body

    def update_descriptor(self, descriptor_id: str, body: object) -> Doc:
        """Replace a descriptor (PUT); keys left out keep their values. Returns it."""
        with self._db.writing() as session:
            tables = RegistryTables(session, self.scope)
            row = tables.descriptor_row(descriptor_id, lock=True)
            existing = [other.body for other in tables.descriptor_rows()]
            doc = prepare_descriptor(
                merged_update(row.body, body),
                descriptor_id=descriptor_id,
                org_id=self.scope.org_id,
                trees=_trees(tables),
                existing=existing,
            )
            row.body, row.source_schema, row.updated_at = doc, doc["xdm:sourceSchema"], self._clock()
            return doc

    def delete_descriptor(self, descriptor_id: str) -> None:
        with self._db.writing() as session:
            tables = RegistryTables(session, self.scope)
            session.delete(tables.descriptor_row(descriptor_id, lock=True))

    def _descriptor_docs(self, tables: RegistryTables, schema_id: str) -> list[Doc]:
        return [row.body for row in tables.descriptor_rows(schema_id)]


def _trees(tables: RegistryTables) -> Any:
    """Resolved tenant schemas by ref (deprecated fields dropped: a new descriptor may not point at one)."""

    def tree(ref: str) -> Doc | None:
        try:
            doc = tables.find(ref, kind=Kind.SCHEMA, container=Container.TENANT)
        except NotFoundError:
            return None
        resolved = Resolver(tables.lookup).document(doc)
        drop_deprecated(resolved)
        return resolved

    return tree

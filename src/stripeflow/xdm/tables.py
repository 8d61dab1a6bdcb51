"""The registry's rows inside one transaction: lookups (built-ins first), inserts, updates and revisions."""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from stripeflow.store.models import XdmDescriptor, XdmResource, XdmResourceRevision
from stripeflow.xdm.builtins import builtin, builtins
from stripeflow.xdm.errors import NotFoundError
from stripeflow.xdm.kinds import Container, Kind, RegistryScope, is_alt_id, normalize_ref

Doc = dict[str, Any]
_FIRST_KEYS = ("$id", "meta:altId", "meta:resourceType", "version", "title", "type", "description")


class RegistryTables:
    """One transaction's view of a scope's resources and descriptors; caches documents it has read."""

    def __init__(self, session: Session, scope: RegistryScope) -> None:
        self.session = session
        self.scope = scope
        self._overlay: dict[str, Doc] = {}

    # --- lookups -------------------------------------------------------------------------------------------------

    def lookup(self, resource_id: str) -> Doc | None:
        """A document by ``$id`` (built-in or tenant); the overlay (a pending change) wins."""
        if resource_id in self._overlay:
            return self._overlay[resource_id]
        found = builtin(resource_id)
        if found is not None:
            return found[1]
        row = self.row(resource_id)
        return None if row is None else row.body

    def with_overlay(self, doc: Doc) -> RegistryTables:
        """The same tables, seeing ``doc`` in place of its stored version (to check a change before storing it)."""
        view = RegistryTables(self.session, self.scope)
        view._overlay = {**self._overlay, doc["$id"]: doc}
        return view

    def row(self, resource_id: str, *, lock: bool = False) -> XdmResource | None:
        key = (self.scope.org_id, self.scope.sandbox_name, resource_id)
        return self.session.get(XdmResource, key, with_for_update=lock)

    def find(self, ref: str, *, kind: Kind | None = None, container: Container | str | None = None) -> Doc:
        """The document ``ref`` (``$id``, URL-encoded ``$id`` or ``meta:altId``) names, or :class:`NotFoundError`."""
        ref = normalize_ref(ref)
        found = builtin(ref)
        doc = found[1] if found is not None else None
        if doc is None:
            row = self._row_by_ref(ref)
            doc = None if row is None else row.body
        wanted_container = None if container is None else Container(container).value
        if (
            doc is None
            or (kind is not None and doc.get("meta:resourceType") != kind.resource_type)
            or (wanted_container is not None and doc.get("meta:containerId") != wanted_container)
        ):
            what = f"{kind.value} " if kind is not None else ""
            raise NotFoundError(
                f"no {what}resource {ref!r} in the {container or 'global or tenant'} container of sandbox "
                f"{self.scope.sandbox_name!r}: check the $id or meta:altId (list them with GET /{{container}}/...)",
                [{"ref": ref, "reason": "not_found"}],
            )
        return doc

    def _row_by_ref(self, ref: str) -> XdmResource | None:
        if not is_alt_id(ref):
            return self.row(ref)
        query = self._rows().where(XdmResource.alt_id == ref)
        return self.session.scalars(query).first()

    def _rows(self) -> Any:
        return select(XdmResource).where(
            XdmResource.org_id == self.scope.org_id, XdmResource.sandbox_name == self.scope.sandbox_name
        )

    def tenant_rows(self, kind: Kind | None = None) -> list[XdmResource]:
        query = self._rows().order_by(XdmResource.created_at, XdmResource.id)
        if kind is not None:
            query = query.where(XdmResource.kind == kind.value)
        return list(self.session.scalars(query))

    def docs(self, kind: Kind, container: Container) -> list[Doc]:
        if container is Container.GLOBAL:
            return [doc for _, doc in builtins(kind)]
        return [row.body for row in self.tenant_rows(kind)]

    def title_taken(self, kind: Kind, title: str, resource_id: str) -> str | None:
        """The ``$id`` of another tenant resource of ``kind`` titled ``title``."""
        query = self._rows().where(XdmResource.kind == kind.value, XdmResource.title == title)
        query = query.where(XdmResource.id != resource_id)
        row = self.session.scalars(query).first()
        return None if row is None else row.id

    # --- writes --------------------------------------------------------------------------------------------------

    def insert(self, kind: Kind, doc: Doc, now: datetime) -> XdmResource:
        row = XdmResource(
            org_id=self.scope.org_id,
            sandbox_name=self.scope.sandbox_name,
            id=doc["$id"],
            alt_id=doc["meta:altId"],
            kind=kind.value,
            container=Container.TENANT.value,
            title=doc["title"],
            version=doc["version"],
            revision=1,
            body=doc,
            created_at=now,
            updated_at=now,
        )
        self.session.add(row)
        self._add_revision(row)
        return row

    def update(self, row: XdmResource, doc: Doc, now: datetime) -> None:
        row.title = doc["title"]
        row.version = doc["version"]
        row.revision += 1
        row.body = doc
        row.updated_at = now
        self._add_revision(row)

    def _add_revision(self, row: XdmResource) -> None:
        self.session.add(
            XdmResourceRevision(
                org_id=row.org_id,
                sandbox_name=row.sandbox_name,
                id=row.id,
                revision=row.revision,
                version=row.version,
                body=row.body,
                created_at=row.updated_at,
            )
        )

    def remove(self, row: XdmResource) -> None:
        scoped = (
            XdmResourceRevision.org_id == row.org_id,
            XdmResourceRevision.sandbox_name == row.sandbox_name,
            XdmResourceRevision.id == row.id,
        )
        self.session.execute(delete(XdmResourceRevision).where(*scoped))
        self.session.delete(row)

    def revisions(self, resource_id: str) -> list[XdmResourceRevision]:
        query = (
            select(XdmResourceRevision)
            .where(
                XdmResourceRevision.org_id == self.scope.org_id,
                XdmResourceRevision.sandbox_name == self.scope.sandbox_name,
                XdmResourceRevision.id == resource_id,
            )
            .order_by(XdmResourceRevision.revision)
        )
        return list(self.session.scalars(query))

    # --- descriptors ---------------------------------------------------------------------------------------------

    def descriptor_rows(self, schema_id: str | None = None) -> list[XdmDescriptor]:
        query = select(XdmDescriptor).where(
            XdmDescriptor.org_id == self.scope.org_id, XdmDescriptor.sandbox_name == self.scope.sandbox_name
        )
        if schema_id is not None:
            query = query.where(XdmDescriptor.source_schema == schema_id)
        return list(self.session.scalars(query.order_by(XdmDescriptor.created_at, XdmDescriptor.id)))

    def descriptor_row(self, descriptor_id: str, *, lock: bool = False) -> XdmDescriptor:
        key = (self.scope.org_id, self.scope.sandbox_name, descriptor_id)
        row = self.session.get(XdmDescriptor, key, with_for_update=lock)
        if row is None:
            raise NotFoundError(
                f"no descriptor {descriptor_id!r} in sandbox {self.scope.sandbox_name!r}: list them with "
                "GET /tenant/descriptors",
                [{"@id": descriptor_id, "reason": "not_found"}],
            )
        return row


def ordered(doc: Doc) -> Doc:
    """The document with its identifying keys first (as the Experience Platform prints them)."""
    head = {key: doc[key] for key in _FIRST_KEYS if key in doc}
    return {**head, **{key: value for key, value in doc.items() if key not in head}}


def registry_metadata(created: datetime, modified: datetime, resource_id: str, revision: int) -> Doc:
    etag = hashlib.sha256(f"{resource_id}#{revision}".encode()).hexdigest()
    return {
        "repo:createdDate": int(created.timestamp() * 1000),
        "repo:lastModifiedDate": int(modified.timestamp() * 1000),
        "eTag": etag,
        "meta:revision": revision,
    }


def next_version(version: str) -> str:
    """``"1.0"`` → ``"1.1"``; ``"1.9"`` → ``"1.10"``."""
    major, _, minor = version.partition(".")
    return f"{major}.{int(minor or 0) + 1}"

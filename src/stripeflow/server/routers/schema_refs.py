"""Resolving the XDM schema a request names (a dataset's ``schemaRef``, a mapping set's output schema)."""

from __future__ import annotations

from typing import Any

from stripeflow.platform import Platform
from stripeflow.server.problems import bad_request
from stripeflow.xdm.errors import NotFoundError


def resolve_schema(platform: Platform, schema_id: str, field: str) -> dict[str, Any]:
    """The resolved (``xed-full``) schema ``schema_id``; a 400 naming ``field`` when the registry of this sandbox
    has no such schema (the request is wrong, not the URL)."""
    try:
        return platform.registry.resolve(schema_id)
    except NotFoundError:
        raise bad_request(
            f"{field} {schema_id!r} is not a schema of the Schema Registry in sandbox {platform.sandbox_name!r}: "
            "create the schema first (POST /data/foundation/schemaregistry/tenant/schemas) or use an existing $id"
        ) from None

"""The Schema Registry's endpoints (``/data/foundation/schemaregistry``).

``/stats`` here; descriptors in :mod:`.schemaregistry_descriptors`, classes, field groups, data types, schemas and
behaviours in :mod:`.schemaregistry_resources` (included after the descriptors, whose paths it would also match).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stripeflow.server.deps import PlatformDep
from stripeflow.server.routers import schemaregistry_descriptors, schemaregistry_resources
from stripeflow.server.routers.schemaregistry_models import COMMON_RESPONSES

router = APIRouter(responses=COMMON_RESPONSES)


@router.get("/stats", summary="Registry statistics, with the tenant id")
def stats(platform: PlatformDep) -> dict[str, Any]:
    """Counts by kind (tenant, and by container), recently created and updated resources, and class usage."""
    return platform.registry.stats()


router.include_router(schemaregistry_descriptors.router)
router.include_router(schemaregistry_resources.router)

"""The Schema Registry's endpoints (``/data/foundation/schemaregistry``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from stripeflow.server.deps import PlatformDep

router = APIRouter()


@router.get("/stats", summary="Registry statistics, with the tenant id")
def stats(platform: PlatformDep) -> dict[str, Any]:
    return platform.registry.stats()

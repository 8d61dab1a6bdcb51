"""The Flow Service (``/data/foundation/flowservice``): one router that includes each resource's.

* :mod:`~stripeflow.server.routers.flowservice_specs`: ``/connectionSpecs``, ``/flowSpecs``
* :mod:`~stripeflow.server.routers.flowservice_connections`: ``/connections`` and ``/connections/{id}/explore``
* :mod:`~stripeflow.server.routers.flowservice_source_target`: ``/sourceConnections``, ``/targetConnections``
"""

from __future__ import annotations

from fastapi import APIRouter

from stripeflow.server.routers import flowservice_connections, flowservice_source_target, flowservice_specs
from stripeflow.server.routers.flowservice_common import FLOW_RESPONSES

router = APIRouter(responses=FLOW_RESPONSES)
router.include_router(flowservice_specs.router)
router.include_router(flowservice_connections.router)
router.include_router(flowservice_source_target.router)

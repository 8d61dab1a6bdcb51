"""The Flow Service: connection and flow specs, base/source/target connections, flows and runs.

Every Flow Service entity (``connection``, ``sourceConnection``, ``targetConnection``, ``flow``) is a row of
``flow_entities``, reached through :class:`stripeflow.flows.entities.EntityRepository`: one organization and
sandbox per repository, an etag that changes on every update (compare-and-set on ``If-Match``), the public
document in ``body`` and the encrypted credentials apart in ``secret``.
"""

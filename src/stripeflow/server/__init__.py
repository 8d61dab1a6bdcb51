"""The REST API (``stripeflow serve``): Flow Service, Schema Registry, Catalog, Data Prep and export, with the
Experience Platform's paths, headers, bodies and error codes."""

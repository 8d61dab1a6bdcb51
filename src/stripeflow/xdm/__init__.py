"""The Schema Registry: XDM classes, field groups, data types, schemas and descriptors, and the Stripe ones."""

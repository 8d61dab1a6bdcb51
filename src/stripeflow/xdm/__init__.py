"""The Schema Registry: XDM classes, field groups, data types, schemas and descriptors, and the Stripe ones.

Start with :class:`SchemaRegistry` (one organization's sandbox, on the metadata database); ``docs/schemas.md``
explains the model, the ready-made Stripe schemas and the evolution rules.
"""

from stripeflow.xdm.descriptors import Identity
from stripeflow.xdm.errors import BreakingChangeError, ConflictError, InvalidSchemaError, NotFoundError, RegistryError
from stripeflow.xdm.kinds import Container, Form, Kind, RegistryScope
from stripeflow.xdm.registry import SchemaRegistry
from stripeflow.xdm.stripe_layout import DEFAULT_TENANT_ID, EXPERIENCE_EVENT_CLASS, PROFILE_CLASS

__all__ = [
    "DEFAULT_TENANT_ID",
    "EXPERIENCE_EVENT_CLASS",
    "PROFILE_CLASS",
    "BreakingChangeError",
    "ConflictError",
    "Container",
    "Form",
    "Identity",
    "InvalidSchemaError",
    "Kind",
    "NotFoundError",
    "RegistryError",
    "RegistryScope",
    "SchemaRegistry",
]

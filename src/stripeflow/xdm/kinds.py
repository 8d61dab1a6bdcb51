"""The registry's vocabulary: resource kinds, containers, Accept forms, the scope, and ``$id``/``meta:altId`` rules."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote

from stripeflow.xdm.errors import InvalidSchemaError
from stripeflow.xdm.stripe_layout import DEFAULT_TENANT_ID, tenant_namespace

XDM_NAMESPACE = "https://ns.adobe.com/"


class Kind(StrEnum):
    """A resource kind; the value is the ``kind`` column, :attr:`path` the API segment, :attr:`resource_type`
    the ``meta:resourceType`` (also the segment inside tenant ``$id``s)."""

    CLASS = "class"
    FIELD_GROUP = "fieldgroup"
    DATA_TYPE = "datatype"
    SCHEMA = "schema"
    BEHAVIOR = "behavior"  # global only: record and time-series

    @property
    def path(self) -> str:
        return _PATHS[self]

    @property
    def resource_type(self) -> str:
        return _RESOURCE_TYPES[self]

    @classmethod
    def parse(cls, name: str | Kind) -> Kind:
        """Accept the column value, the API segment or the resource type (``fieldgroups``, ``mixins`` ...)."""
        if isinstance(name, Kind):
            return name
        for kind in cls:
            if name in (kind.value, kind.path, kind.resource_type):
                return kind
        known = ", ".join(kind.path for kind in cls)
        raise InvalidSchemaError(f"unknown resource kind {name!r}: use one of {known}", [{"kind": name}])


_PATHS = {
    Kind.CLASS: "classes",
    Kind.FIELD_GROUP: "fieldgroups",
    Kind.DATA_TYPE: "datatypes",
    Kind.SCHEMA: "schemas",
    Kind.BEHAVIOR: "behaviors",
}
_RESOURCE_TYPES = {**_PATHS, Kind.FIELD_GROUP: "mixins"}

#: The kinds users create in the tenant container.
TENANT_KINDS = (Kind.CLASS, Kind.FIELD_GROUP, Kind.DATA_TYPE, Kind.SCHEMA)


class Container(StrEnum):
    GLOBAL = "global"
    TENANT = "tenant"


class Form(StrEnum):
    """The ``Accept`` forms of a lookup (``application/vnd.adobe.{form}+json; version=1``)."""

    XED = "xed"  # as stored: $ref and allOf kept
    XED_FULL = "xed-full"  # $ref and allOf resolved into one properties tree
    XED_NOTEXT = "xed-notext"
    XED_FULL_NOTEXT = "xed-full-notext"
    XED_FULL_DESC = "xed-full-desc"  # resolved, with the schema's descriptors
    XED_DEPRECATEFIELD = "xed-deprecatefield"  # resolved, deprecated fields kept and marked

    @property
    def resolved(self) -> bool:
        return self not in (Form.XED, Form.XED_NOTEXT)

    @property
    def text(self) -> bool:
        return not self.value.endswith("notext")

    @classmethod
    def parse(cls, accept: str | Form) -> Form:
        """A form from its name or a whole Accept header value (``application/vnd.adobe.xed-full+json; version=1``)."""
        if isinstance(accept, Form):
            return accept
        name = accept.split(";", 1)[0].strip()
        name = name.removeprefix("application/vnd.adobe.").removesuffix("+json")
        try:
            return cls(name)
        except ValueError:
            known = ", ".join(form.value for form in cls)
            raise InvalidSchemaError(
                f"unsupported Accept form {accept!r}: use application/vnd.adobe.<form>+json; version=1 with one of "
                f"{known}",
                [{"accept": accept}],
            ) from None


@dataclass(frozen=True, slots=True)
class RegistryScope:
    """Whose registry: an organization's sandbox, with the tenant id that names its namespace ``_{tenant_id}``."""

    org_id: str
    sandbox_name: str = "prod"
    tenant_id: str = DEFAULT_TENANT_ID

    @property
    def namespace(self) -> str:
        return tenant_namespace(self.tenant_id)


def tenant_prefix(scope: RegistryScope, kind: Kind) -> str:
    """``https://ns.adobe.com/{tenant}/{mixins|...}/``: how every tenant ``$id`` of ``kind`` starts."""
    return f"{XDM_NAMESPACE}{scope.tenant_id}/{kind.resource_type}/"


def new_tenant_id(scope: RegistryScope, kind: Kind, name: str | None = None) -> str:
    """A tenant ``$id``: ``https://ns.adobe.com/{tenant}/{mixins|...}/<name or 32 hex digits>``."""
    return tenant_prefix(scope, kind) + (name or uuid.uuid4().hex)


def stable_name(scope: RegistryScope, key: str) -> str:
    """32 hex digits that are the same for the same tenant and key (ids of the ready-made Stripe resources)."""
    return uuid.uuid5(uuid.NAMESPACE_URL, f"stripeflow:{scope.tenant_id}:{key}").hex


def alt_id(resource_id: str) -> str:
    """``https://ns.adobe.com/acme/schemas/ab12`` → ``_acme.schemas.ab12``; ``.../xdm/context/profile`` →
    ``_xdm.context.profile``."""
    if not resource_id.startswith(XDM_NAMESPACE):
        raise InvalidSchemaError(
            f"{resource_id!r} is not a registry $id: ids start with {XDM_NAMESPACE}", [{"$id": resource_id}]
        )
    return "_" + resource_id.removeprefix(XDM_NAMESPACE).replace("/", ".")


def normalize_ref(ref: str) -> str:
    """A ``$id`` (URL-encoded or not) or a ``meta:altId``, decoded; altIds are kept as they are."""
    ref = ref.strip()
    return unquote(ref) if ref.lower().startswith("https%3a") else ref


def is_alt_id(ref: str) -> bool:
    return ref.startswith("_") and "://" not in ref

"""The mapping set model: the current and the legacy body shapes of ``POST /mappingSets``, normalized to one model.

* Current mapping: ``{sourceType, source, destination, name?, description?}``.
* Legacy mapping (the Stripe tutorial): ``{sourceAttribute, destinationXdmPath, identity, identityGroup,
  namespaceCode, version}``; it is an ``ATTRIBUTE`` mapping unless ``sourceType`` says otherwise.
* ``sourceType`` is case-insensitive and stored upper case; ``text/x.schema-path`` (what the Platform's
  ``GET …/mappings`` shows for stored attribute mappings) and a missing ``sourceType`` mean ``ATTRIBUTE``.
* When both names of a pair are sent (``source``/``sourceAttribute``, ``destination``/``destinationXdmPath``) they
  must agree. :meth:`Mapping.to_body` writes both pairs back, as the Platform's responses do.
* The set names its schema either as ``outputSchema.schemaRef.id`` (current) or ``xdmSchema`` (legacy); each is
  filled from the other.

Use :func:`parse_mapping_set` for request bodies: its :class:`~stripeflow.prep.errors.MappingSetError` names the
mapping (index and destination) and says how to fix it.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any, Final

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from stripeflow.prep.errors import MappingSetError

XED_FULL_CONTENT_TYPE: Final = "application/vnd.adobe.xed-full+json;version=1"
_SCHEMA_PATH_TYPE: Final = "text/x.schema-path"


class SourceType(StrEnum):
    ATTRIBUTE = "ATTRIBUTE"
    STATIC = "STATIC"
    EXPRESSION = "EXPRESSION"


_VALID_TYPES: Final = ", ".join(SourceType)
_Scalar = str | bool | int | float


class _Model(BaseModel):
    model_config = ConfigDict(populate_by_name=True, frozen=True, extra="ignore")


class Mapping(_Model):
    """One mapping. ``source`` is a path (ATTRIBUTE), a literal (STATIC) or an expression (EXPRESSION)."""

    source_type: SourceType = Field(SourceType.ATTRIBUTE, alias="sourceType")
    source: _Scalar | None = None
    destination: str = Field(min_length=1)
    id: str | None = None
    name: str | None = None
    description: str | None = None
    identity: bool = False
    identity_group: str | None = Field(None, alias="identityGroup")
    namespace_code: str | None = Field(None, alias="namespaceCode")
    primary_identity: bool = Field(False, alias="primaryIdentity")
    version: int | None = None

    @model_validator(mode="before")
    @classmethod
    def _normalize(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            raise ValueError("a mapping must be a JSON object with source and destination")
        data = dict(data)
        _merge_pair(data, "source", "sourceAttribute")
        _merge_pair(data, "destination", "destinationXdmPath")
        raw = data.get("sourceType")
        if raw is None or raw == _SCHEMA_PATH_TYPE:
            data["sourceType"] = SourceType.ATTRIBUTE
        elif isinstance(raw, str) and raw.upper() in SourceType.__members__:
            data["sourceType"] = SourceType(raw.upper())
        else:
            raise ValueError(f"sourceType {raw!r} is not valid: use one of {_VALID_TYPES}")
        if data["sourceType"] is not SourceType.STATIC:
            source = data.get("source")
            if not isinstance(source, str) or not source.strip():
                what = "a source path" if data["sourceType"] is SourceType.ATTRIBUTE else "an expression"
                raise ValueError(f"source must be {what} (a non-empty string), got {source!r}")
        return data

    def to_body(self) -> dict[str, Any]:
        """The mapping as the Platform returns it: both name pairs, identity fields, ``id`` when it has one."""
        body: dict[str, Any] = {} if self.id is None else {"id": self.id}
        body |= {
            "sourceType": self.source_type.value,
            "source": self.source,
            "destination": self.destination,
            "sourceAttribute": self.source,
            "destinationXdmPath": self.destination,
            "name": self.name,
            "description": self.description,
            "identity": self.identity,
            "identityGroup": self.identity_group,
            "namespaceCode": self.namespace_code,
            "primaryIdentity": self.primary_identity,
            "version": self.version if self.version is not None else 0,
        }
        return body


class SchemaRef(_Model):
    id: str = Field(min_length=1)
    content_type: str = Field(XED_FULL_CONTENT_TYPE, alias="contentType")


class OutputSchema(_Model):
    schema_ref: SchemaRef | None = Field(None, alias="schemaRef")
    id: str | None = None
    version: str | None = None


class MappingSet(_Model):
    """A mapping set; ``schema_id`` is the XDM schema its destinations belong to (when it names one)."""

    id: str | None = None
    name: str | None = None
    description: str | None = None
    input_schema: dict[str, Any] | None = Field(None, alias="inputSchema")
    output_schema: OutputSchema | None = Field(None, alias="outputSchema")
    xdm_schema: str | None = Field(None, alias="xdmSchema")
    xdm_version: str | None = Field(None, alias="xdmVersion")
    version: int | None = None
    mappings: tuple[Mapping, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _fill_schema_names(self) -> MappingSet:
        ref = self.output_schema.schema_ref if self.output_schema else None
        if ref is None and self.xdm_schema:
            object.__setattr__(self, "output_schema", OutputSchema(schemaRef=SchemaRef(id=self.xdm_schema)))
        elif ref is not None and not self.xdm_schema:
            object.__setattr__(self, "xdm_schema", ref.id)
        elif ref is not None and ref.id != self.xdm_schema:
            raise ValueError(
                f"xdmSchema {self.xdm_schema!r} and outputSchema.schemaRef.id {ref.id!r} name different schemas; "
                "send one of them"
            )
        return self

    @property
    def schema_id(self) -> str | None:
        return self.xdm_schema

    def to_body(self) -> dict[str, Any]:
        """The set in the Platform's shape: both schema names, each mapping with both name pairs."""
        ref = self.output_schema.schema_ref if self.output_schema else None
        body: dict[str, Any] = {} if self.id is None else {"id": self.id}
        body |= {
            "name": self.name,
            "description": self.description,
            "inputSchema": self.input_schema,
            "outputSchema": {"schemaRef": {"id": ref.id, "contentType": ref.content_type}} if ref else None,
            "xdmSchema": self.xdm_schema,
            "xdmVersion": self.xdm_version or "1.0",
            "version": self.version if self.version is not None else 0,
            "mappings": [mapping.to_body() for mapping in self.mappings],
        }
        return body


def parse_mapping_set(body: Any) -> MappingSet:
    """Validate a request body (either shape) into a :class:`MappingSet`.

    Raises :class:`MappingSetError` whose problems read like ``mappings[3] (destination '_x.a'): sourceType
    'ATTR' is not valid: use one of ATTRIBUTE, STATIC, EXPRESSION``.
    """
    try:
        return MappingSet.model_validate(body)
    except ValidationError as exc:
        errors = exc.errors()
        if any(error["loc"][:1] == ("mappings",) and len(error["loc"]) > 1 for error in errors):
            # pydantic also reports the list as too short when every item failed
            errors = [error for error in errors if error["loc"] != ("mappings",)]
        raise MappingSetError([_describe(error, body) for error in errors]) from exc


def _merge_pair(data: dict[str, Any], current: str, legacy: str) -> None:
    if legacy not in data:
        return
    if current in data and data[current] != data[legacy]:
        raise ValueError(f"{current} {data[current]!r} and {legacy} {data[legacy]!r} differ; send one of them")
    data[current] = data.pop(legacy)


def _describe(error: Any, body: Any) -> str:
    loc = tuple(error["loc"])
    message = str(error["msg"]).removeprefix("Value error, ")
    if len(loc) >= 2 and loc[0] == "mappings" and isinstance(loc[1], int):
        where = f"mappings[{loc[1]}]"
        destination = _raw_destination(body, loc[1])
        if destination is not None:
            where += f" (destination {destination!r})"
        field = ".".join(str(part) for part in loc[2:])
        return f"{where}: {field + ': ' if field else ''}{message}"
    if loc == ("mappings",) and "at least 1" in message:
        return "mappings: list at least one mapping"
    return f"{'.'.join(str(part) for part in loc) or 'body'}: {message}"


def _raw_destination(body: Any, index: int) -> str | None:
    try:
        item = body["mappings"][index]
        value = item.get("destination", item.get("destinationXdmPath"))
    except (KeyError, IndexError, TypeError, AttributeError):
        return None
    return value if isinstance(value, str) else None

"""The body of ``POST /flows`` (and of a patched flow), validated into a :class:`FlowConfig`.

Pure: what must exist in the sandbox (connections, the mapping set) is checked by :mod:`stripeflow.flows.flows`.
Where the docs leave a gap, stripeflow decides (see ``docs/flows.md``): the flow spec's options
(``errorDiagnosticsEnabled``, ``partialIngestionPercent``) sit in a top-level ``options`` object, and run alerts in
a top-level ``alerts`` object.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from stripeflow.flows.alerts import AlertSubscription, parse_alerts
from stripeflow.flows.schedule import Schedule, ScheduleError, parse_schedule

REST_FLOW_SPEC_ID: Final = "6499120c-0b15-42dc-936e-847ea3c24d72"
FLOW_FIELDS: Final = frozenset(
    {"name", "description", "flowSpec", "sourceConnectionIds", "targetConnectionIds", "transformations",
     "scheduleParams", "options", "alerts"}
)  # fmt: skip
#: Fields a stored or echoed flow carries that a body may bring back unchanged; they are not validated.
READ_ONLY_FIELDS: Final = frozenset({"id", "etag", "version", "state", "lastOperation"})
OPTION_FIELDS: Final = ("errorDiagnosticsEnabled", "partialIngestionPercent")


class FlowValidationError(ValueError):
    """The flow body breaks a rule; the message names the field (a 400)."""


@dataclass(frozen=True, slots=True)
class FlowConfig:
    name: str
    description: str | None
    source_connection_id: str
    target_connection_id: str
    mapping_id: str
    mapping_version: int
    schedule: Schedule
    diagnostics: bool = False
    partial_ingestion_percent: float | None = None
    alerts: AlertSubscription | None = None

    def body(self) -> dict[str, Any]:
        """The stored flow body (``name`` is a column): normalized, schedule values as strings."""
        body: dict[str, Any] = {
            "flowSpec": {"id": REST_FLOW_SPEC_ID, "version": "1.0"},
            "sourceConnectionIds": [self.source_connection_id],
            "targetConnectionIds": [self.target_connection_id],
            "transformations": [
                {"name": "Mapping", "params": {"mappingId": self.mapping_id, "mappingVersion": self.mapping_version}}
            ],
            "scheduleParams": self.schedule.to_json(),
            "options": {"errorDiagnosticsEnabled": self.diagnostics},
        }
        if self.description is not None:
            body["description"] = self.description
        if self.partial_ingestion_percent is not None:
            body["options"]["partialIngestionPercent"] = self.partial_ingestion_percent
        if self.alerts is not None:
            body["alerts"] = self.alerts.to_json()
        return body


def parse_flow(body: Any) -> FlowConfig:
    """Validate a flow body; :class:`FlowValidationError` names the first broken rule."""
    if not isinstance(body, Mapping):
        raise FlowValidationError("the flow body must be a JSON object")
    unknown = sorted(set(body) - FLOW_FIELDS - READ_ONLY_FIELDS)
    if unknown:
        raise FlowValidationError(f"unknown field(s) {', '.join(unknown)}; a flow has {', '.join(sorted(FLOW_FIELDS))}")
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise FlowValidationError("name is required (a non-empty string)")
    description = body.get("description")
    if description is not None and not isinstance(description, str):
        raise FlowValidationError("description must be a string")
    _flow_spec(body.get("flowSpec"))
    mapping_id, mapping_version = _mapping(body.get("transformations"))
    diagnostics, percent = _options(body.get("options"))
    try:
        schedule = parse_schedule(body.get("scheduleParams"))
        alerts = parse_alerts(body.get("alerts"))
    except ScheduleError as exc:
        raise FlowValidationError(str(exc)) from exc
    except ValueError as exc:
        raise FlowValidationError(str(exc)) from exc
    return FlowConfig(
        name=name.strip(),
        description=description,
        source_connection_id=_one_id(body, "sourceConnectionIds", "source"),
        target_connection_id=_one_id(body, "targetConnectionIds", "target"),
        mapping_id=mapping_id,
        mapping_version=mapping_version,
        schedule=schedule,
        diagnostics=diagnostics,
        partial_ingestion_percent=percent,
        alerts=alerts,
    )


def _flow_spec(value: Any) -> None:
    if not isinstance(value, Mapping) or value.get("id") != REST_FLOW_SPEC_ID:
        raise FlowValidationError(
            f'flowSpec must be {{"id": "{REST_FLOW_SPEC_ID}", "version": "1.0"}} (the REST flow spec of the Stripe '
            f"source), got {value!r}"
        )
    if str(value.get("version", "1.0")) != "1.0":
        raise FlowValidationError(f'flowSpec.version must be "1.0", got {value.get("version")!r}')


def _one_id(body: Mapping[str, Any], field: str, what: str) -> str:
    ids = body.get(field)
    if not isinstance(ids, list) or len(ids) != 1 or not isinstance(ids[0], str) or not ids[0]:
        raise FlowValidationError(f"{field} must hold exactly one {what} connection id, got {ids!r}")
    return ids[0]


def _mapping(value: Any) -> tuple[str, int]:
    if not isinstance(value, list) or not value:
        raise FlowValidationError(
            'transformations is required: [{"name": "Mapping", "params": {"mappingId": "...", "mappingVersion": 0}}]'
        )
    found = [item for item in value if isinstance(item, Mapping) and item.get("name") == "Mapping"]
    if len(found) != 1 or len(value) != 1:
        raise FlowValidationError('transformations must hold exactly one transformation named "Mapping"')
    params = found[0].get("params")
    if not isinstance(params, Mapping) or not isinstance(params.get("mappingId"), str) or not params["mappingId"]:
        raise FlowValidationError("transformations[0].params.mappingId is required (a mapping set id)")
    version = params.get("mappingVersion", 0)
    if isinstance(version, str) and version.strip().isdigit():
        version = int(version.strip())
    if isinstance(version, bool) or not isinstance(version, int) or version < 0:
        raise FlowValidationError(
            f"transformations[0].params.mappingVersion must be a version number (0, 1, ... or its string), "
            f"got {params.get('mappingVersion')!r}"
        )
    return str(params["mappingId"]), version


def _options(value: Any) -> tuple[bool, float | None]:
    if value is None:
        return False, None
    if not isinstance(value, Mapping):
        raise FlowValidationError("options must be an object with errorDiagnosticsEnabled and partialIngestionPercent")
    unknown = sorted(set(value) - set(OPTION_FIELDS))
    if unknown:
        raise FlowValidationError(
            f"options has unknown field(s) {', '.join(unknown)}; it takes {', '.join(OPTION_FIELDS)}"
        )
    diagnostics = value.get("errorDiagnosticsEnabled", False)
    if not isinstance(diagnostics, bool):
        raise FlowValidationError(f"options.errorDiagnosticsEnabled must be a boolean, got {diagnostics!r}")
    percent = value.get("partialIngestionPercent")
    if percent is None:
        return diagnostics, None
    if isinstance(percent, bool) or not isinstance(percent, int | float) or not 0 < percent <= 100:
        raise FlowValidationError(
            f"options.partialIngestionPercent must be a number above 0 and at most 100, got {percent!r}"
        )
    # Partial ingestion forces diagnostics on, as on the Platform.
    return True, float(percent)

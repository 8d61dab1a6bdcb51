"""The connection specs and the flow spec stripeflow serves (``GET /connectionSpecs``, ``GET /flowSpecs``), as data.

They follow the Platform's documents: the Stripe source spec (auth ``OAuth2 Refresh Code`` with one secret,
``accessToken``; the six resource paths; the explore spec), the data lake target spec (``parquet_xdm``) and the
generic REST flow spec ``RestStorageToAEP`` with its periodic schedule rules as JSON Schema. Specs are the same in
every organization and sandbox; :func:`spec_item` adds the caller's scope fields.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any, Final

from stripeflow.flows.filters import PropertyFilter
from stripeflow.stripe.resources import RESOURCES

STRIPE_SPEC_ID: Final = "cc2c31d6-7b8c-4581-b49f-5c8698aa3ab3"
DATA_LAKE_SPEC_ID: Final = "c604ff05-7f1a-43c0-8e18-33bf874cb11c"
REST_FLOW_SPEC_ID: Final = "6499120c-0b15-42dc-936e-847ea3c24d72"
SPEC_VERSION: Final = "1.0"
AUTH_SPEC_NAME: Final = "OAuth2 Refresh Code"
SOURCE_FORMAT: Final = "json"
TARGET_FORMAT: Final = "parquet_xdm"
#: The resource paths, in the docs' order (the keys of :data:`stripeflow.stripe.resources.RESOURCES`).
RESOURCE_PATHS: Final = tuple(RESOURCES)
#: Auth params that are secrets (``"format": "password"``): encrypted at rest, masked on GET.
SECRET_AUTH_PARAMS: Final = frozenset({"accessToken", "clientSecret", "refreshToken"})
#: When the specs were published here (epoch ms), shown as their ``createdAt``/``updatedAt``.
_PUBLISHED_MS: Final = 1_704_067_200_000
_PROVIDER_ID: Final = "0ed90a81-07f4-4586-8190-b40eccef1c5a"
_DRAFT7: Final = "http://json-schema.org/draft-07/schema#"
_PERMISSIONS: Final = {
    "view": [{"@type": "lowLevel", "name": "EnterpriseSource", "permissions": ["read"]}],
    "manage": [{"@type": "lowLevel", "name": "EnterpriseSource", "permissions": ["write"]}],
}
_LABELS: Final = {
    "charges": "Charges",
    "subscriptions": "Subscriptions",
    "refunds": "Refunds",
    "balance_transactions": "Balance Transactions",
    "customers": "Customers",
    "prices": "Prices",
}


def _secret(description: str) -> dict[str, Any]:
    return {"type": "string", "description": description, "format": "password"}


STRIPE_CONNECTION_SPEC: Final[dict[str, Any]] = {
    "id": STRIPE_SPEC_ID,
    "name": "stripe",
    "providerId": _PROVIDER_ID,
    "version": SPEC_VERSION,
    "attributes": {
        "category": {"key": "payments"},
        "isSource": True,
        "isPreview": False,
        "isBeta": True,
        "uiAttributes": {"apiFeatures": {"explorePaginationSupported": False}, "label": "Stripe"},
        "documentationLink": "https://experienceleague.adobe.com/docs/experience-platform/sources/connectors/payments/stripe.html",
    },
    "authSpec": [
        {
            "name": AUTH_SPEC_NAME,
            "type": "OAuth2RefreshCode",
            "spec": {
                "$schema": _DRAFT7,
                "type": "object",
                "description": "The Stripe secret (sk_...) or restricted (rk_...) key, from Developers > API keys.",
                "properties": {
                    "accessToken": _secret("Your Stripe OAuth 2 Refresh Code authentication token (an API key)."),
                    "clientId": {"type": "string", "description": "Optional OAuth client id."},
                    "clientSecret": _secret("Optional OAuth client secret."),
                    "refreshToken": _secret("Optional OAuth refresh token."),
                    "expirationDate": {"type": "string", "description": "Optional expiry of the access token."},
                    "accessTokenUrl": {"type": "string", "description": "Optional token endpoint."},
                    "authorizationTestUrl": {
                        "type": "string",
                        "description": "Checked when the account is created: stripeflow calls /v1/account and "
                        "/v1/balance with the token.",
                    },
                },
                "required": ["accessToken"],
            },
        }
    ],
    "sourceSpec": {
        "attributes": {"uiAttributes": {"isSource": True, "isPreview": False, "category": {"key": "payments"}}},
        "spec": {
            "$schema": _DRAFT7,
            "type": "object",
            "description": "Which Stripe list a source connection reads.",
            "properties": {
                "resourcePath": {
                    "type": "string",
                    "description": "The Stripe resource; one source connection (and one flow) per resource.",
                    "enum": list(RESOURCE_PATHS),
                    "meta:enum": _LABELS,
                },
            },
            "required": ["resourcePath"],
        },
        "urlParams": {"host": "https://api.stripe.com", "path": "/v1/{resourcePath}", "method": "GET"},
        "contentPath": {"path": "$.data", "overrideWrapperAttribute": "data"},
        "paginationParams": {
            "type": "POINTER",
            "limitName": "limit",
            "limitValue": "100",
            "pointerPath": "$.data[-1].id",
        },
        "scheduleParams": {
            "scheduleStartParamName": "created[gte]",
            "scheduleEndParamName": "created[lt]",
            "scheduleStartParamFormat": "epoch-seconds",
            "scheduleEndParamFormat": "epoch-seconds",
        },
    },
    "exploreSpec": {
        "name": "Resource",
        "type": "Resource",
        "requestSpec": {
            "$schema": _DRAFT7,
            "type": "object",
            "description": 'sourceParams: base64 of this object, e.g. {"resourcePath": "charges"}.',
            "properties": {"resourcePath": {"type": "string", "enum": list(RESOURCE_PATHS)}},
            "required": ["resourcePath"],
        },
        "responseSpec": {
            "$schema": _DRAFT7,
            "type": "object",
            "properties": {
                "format": {"type": "string", "enum": ["hierarchical"]},
                "schema": {"type": "object", "description": 'JSON Schema of the records ({"data": <object>}).'},
                "data": {
                    "type": "array",
                    "description": "Sample records, with preview=true.",
                    "items": {"type": "object"},
                },
            },
        },
    },
    "permissionsInfo": _PERMISSIONS,
}

DATA_LAKE_CONNECTION_SPEC: Final[dict[str, Any]] = {
    "id": DATA_LAKE_SPEC_ID,
    "name": "Data Lake",
    "providerId": "c669bd32-3b0e-4a11-a6f0-3ed56ef06dcb",
    "version": SPEC_VERSION,
    "attributes": {"isDestination": False, "isSource": False, "category": {"key": "dataLake"}},
    "authSpec": [],
    "targetSpec": {
        "name": "Data Lake",
        "spec": {
            "$schema": _DRAFT7,
            "type": "object",
            "description": "A catalog dataset bound to an XDM schema.",
            "properties": {"dataSetId": {"type": "string", "description": "The catalog dataset the flow writes."}},
            "required": ["dataSetId"],
        },
        "attributes": {"formats": [TARGET_FORMAT]},
    },
    "permissionsInfo": _PERMISSIONS,
}

REST_FLOW_SPEC: Final[dict[str, Any]] = {
    "id": REST_FLOW_SPEC_ID,
    "name": "RestStorageToAEP",
    "providerId": _PROVIDER_ID,
    "version": SPEC_VERSION,
    "sourceConnectionSpecIds": [STRIPE_SPEC_ID],
    "targetConnectionSpecIds": [DATA_LAKE_SPEC_ID],
    "optionSpec": {
        "name": "OptionSpec",
        "spec": {
            "$schema": _DRAFT7,
            "type": "object",
            "properties": {
                "errorDiagnosticsEnabled": {
                    "title": "Error diagnostics.",
                    "description": "Flag to enable detailed and sample error diagnostics summary.",
                    "type": "boolean",
                    "default": False,
                },
                "partialIngestionPercent": {
                    "title": "Partial ingestion threshold.",
                    "description": "Percentage which defines the threshold of errors allowed before the run is marked "
                    "as failed.",
                    "type": "number",
                    "exclusiveMinimum": 0,
                },
            },
        },
    },
    "transformationSpecs": [
        {
            "name": "Mapping",
            "spec": {
                "$schema": _DRAFT7,
                "type": "object",
                "description": "defines various params required for different mapping from source to target",
                "properties": {"mappingId": {"type": "string"}, "mappingVersion": {"type": "string"}},
            },
        }
    ],
    "scheduleSpec": {
        "name": "PeriodicSchedule",
        "type": "Periodic",
        "spec": {
            "$schema": _DRAFT7,
            "type": "object",
            "properties": {
                "startTime": {"description": "epoch time", "type": "integer"},
                "frequency": {"type": "string", "enum": ["once", "minute", "hour", "day", "week"]},
                "interval": {"type": "integer"},
                "backfill": {"type": "boolean", "default": True},
            },
            "required": ["startTime", "frequency"],
            "if": {"properties": {"frequency": {"const": "once"}}},
            "then": {"allOf": [{"not": {"required": ["interval"]}}, {"not": {"required": ["backfill"]}}]},
            "else": {
                "required": ["interval"],
                "if": {"properties": {"frequency": {"const": "minute"}}},
                "then": {"properties": {"interval": {"minimum": 15}}},
                "else": {"properties": {"interval": {"minimum": 1}}},
            },
        },
    },
    "runSpec": {
        "name": "ProviderParams",
        "spec": {
            "$schema": _DRAFT7,
            "type": "object",
            "properties": {
                "startTime": {"description": "epoch time", "type": "integer"},
                "windowStartTime": {"description": "epoch time", "type": "integer"},
                "windowEndTime": {"description": "epoch time", "type": "integer"},
            },
            "required": ["startTime", "windowStartTime", "windowEndTime"],
        },
    },
    "attributes": {"notification": {"category": "sources", "flowRun": {"enabled": True}}},
    "permissionsInfo": _PERMISSIONS,
}

CONNECTION_SPECS: Final = {spec["id"]: spec for spec in (STRIPE_CONNECTION_SPEC, DATA_LAKE_CONNECTION_SPEC)}
FLOW_SPECS: Final = {REST_FLOW_SPEC["id"]: REST_FLOW_SPEC}


def spec_item(spec: dict[str, Any], org_id: str, sandbox_name: str, sandbox: str) -> dict[str, Any]:
    """A spec as ``GET`` shows it to one caller: with the scope fields every Flow Service item carries."""
    return {
        **copy.deepcopy(spec),
        "createdAt": _PUBLISHED_MS,
        "updatedAt": _PUBLISHED_MS,
        "createdBy": "stripeflow",
        "updatedBy": "stripeflow",
        "createdClient": "stripeflow",
        "updatedClient": "stripeflow",
        "sandboxId": sandbox,
        "sandboxName": sandbox_name,
        "imsOrgId": org_id,
    }


def matching(specs: Iterable[dict[str, Any]], filters: Sequence[PropertyFilter]) -> list[dict[str, Any]]:
    """The specs every filter accepts, in their order."""
    return [spec for spec in specs if all(item.matches(spec) for item in filters)]

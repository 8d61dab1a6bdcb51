"""Property-based fuzzing of every operation in the app's OpenAPI document (schemathesis over ASGI).

Each operation gets a bounded number of generated requests (the documented examples, then valid and invalid
data) with the standard headers; no answer may be a 5xx, and each must match the document: a documented status
code, content type, headers and body schema. Operations are read from the document when the tests are collected,
so a router is fuzzed as soon as it is mounted.

schemathesis's own pytest integration (``from_fixture``/``parametrize``) does not run on pytest 9, so each
operation is one pytest case that drives the operation's Hypothesis strategies itself.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.python.asgi import shutdown_lifespans
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from stripeflow.server.app import create_app
from tests.server.conftest import HEADERS, api_settings

#: Generated requests per operation: enough to find crashes, few enough that the module runs in seconds.
MAX_EXAMPLES = 20
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def operations() -> list[tuple[str, str]]:
    """``(method, path)`` of every operation in the document (building the app touches no disk)."""
    unused = Path(tempfile.gettempdir()) / "stripeflow-openapi-only"
    document = create_app(api_settings(unused)).openapi()
    return [(method, path) for path, item in document["paths"].items() for method in item if method in HTTP_METHODS]


@pytest.fixture(scope="module")
def api_schema(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The app's own OpenAPI document, bound to one SQLite-backed app shared by the module's cases."""
    app = create_app(api_settings(tmp_path_factory.mktemp("fuzz")))
    yield schemathesis.openapi.from_asgi("/openapi.json", app)
    shutdown_lifespans()


@pytest.mark.parametrize(("method", "path"), operations(), ids=lambda value: str(value))
def test_no_operation_answers_5xx_or_off_its_document(api_schema: Any, method: str, path: str) -> None:
    operation = api_schema[path][method.upper()]
    strategies = [
        *api_schema.get_strategies_from_examples(operation),
        operation.as_strategy(generation_mode=GenerationMode.POSITIVE),
        operation.as_strategy(generation_mode=GenerationMode.NEGATIVE),
    ]

    @given(case=st.one_of(strategies))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        case.call_and_validate(headers=HEADERS, checks=CHECKS)

    call()


def test_the_fuzz_covers_the_schema_registry() -> None:
    """A guard against fuzzing nothing: the collected operations include the registry's."""
    found = operations()
    assert ("get", "/data/foundation/schemaregistry/{container}/{kind}/{resource_id}") in found
    assert ("post", "/data/foundation/schemaregistry/tenant/descriptors") in found

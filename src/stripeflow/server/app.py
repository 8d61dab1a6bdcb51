"""``create_app(settings)``: the REST API, with the Platform's base paths, header checks and error bodies.

Every Platform route sits under ``/data/foundation/{flowservice|schemaregistry|catalog|conversion|export}`` and
passes the header checks of :func:`stripeflow.server.deps.call_context`; ``/health`` and the OpenAPI document
(``/openapi.json``, interactive at ``/docs``) need no headers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import text
from starlette.exceptions import HTTPException as StarletteHTTPException

from stripeflow import __version__
from stripeflow.server.auth import bootstrap_token
from stripeflow.server.background import start_scheduler, stop_scheduler
from stripeflow.server.deps import call_context, require_json_body
from stripeflow.server.errors import DOMAIN_ERRORS, translate
from stripeflow.server.problems import ApiError
from stripeflow.server.routers import catalog, conversion, export, flows, flowservice, schemaregistry
from stripeflow.server.routers.schemaregistry_models import COMMON_RESPONSES as ERRORS
from stripeflow.settings import Settings
from stripeflow.store import MetadataStore, open_store
from stripeflow.store.database import Clock, utc_now

log = logging.getLogger(__name__)

BASE = "/data/foundation"
SERVICES = {
    "flowservice": flowservice.router,
    "schemaregistry": schemaregistry.router,
    "catalog": catalog.router,
    "conversion": conversion.router,
    "export": export.router,
}


def create_app(
    settings: Settings,
    *,
    store: MetadataStore | None = None,
    clock: Clock = utc_now,
    announce: Any = print,
    scheduler: bool = False,
    scheduler_tick: float = 15.0,
) -> FastAPI:
    """The API on ``settings``' metadata store (opened here unless ``store`` is given).

    ``announce`` receives the one-time message with a newly generated bootstrap token. ``scheduler`` runs the flow
    scheduler and run executor in the app's event loop (``stripeflow serve`` turns it on; tests ask for it)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        own = store is None
        app.state.store = open_store(settings.metadata_url) if own else store
        configured = settings.bootstrap_token.get_secret_value() if settings.bootstrap_token else None
        app.state.token_check, generated = bootstrap_token(settings.data_dir, configured)
        if generated:
            announce(
                f"stripeflow: API token (shown once, keep it): {generated}\n"
                "  send it as `Authorization: Bearer <token>`; to replace it, delete "
                f"{settings.data_dir / 'bootstrap-token.sha256'} and restart"
            )
        running = start_scheduler(app, settings, app.state.store, clock, scheduler_tick) if scheduler else None
        try:
            yield
        finally:
            if running is not None:
                await stop_scheduler(app, running)
            if own:
                app.state.store.close()

    app = FastAPI(
        title="stripeflow",
        version=__version__,
        description="Flow Service, Schema Registry, Catalog, Data Prep and export APIs for Stripe data.",
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.clock = clock
    guards = [Depends(call_context), Depends(require_json_body)]
    for name, router in SERVICES.items():
        app.include_router(router, prefix=f"{BASE}/{name}", dependencies=guards, tags=[name], responses=ERRORS)
    app.include_router(
        flows.router, prefix=f"{BASE}/flowservice", dependencies=guards, tags=["flowservice"], responses=ERRORS
    )
    _install_error_handlers(app)

    @app.get("/health", tags=["health"])
    def health(request: Request) -> JSONResponse:
        """Liveness and readiness: 200 when the metadata store answers, 503 otherwise."""
        checks = {"metadata": _check_store(request.app.state.store)}
        ready = all(value == "ok" for value in checks.values())
        return JSONResponse({"status": "ok" if ready else "unavailable", "checks": checks}, 200 if ready else 503)

    return app


def _check_store(store: MetadataStore) -> str:
    try:
        with store.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except Exception as exc:  # readiness reports any failure of the store
        return f"error: {type(exc).__name__}: {exc}"
    return "ok"


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        problems = [
            {"path": ".".join(str(part) for part in item.get("loc", ())), "message": item.get("msg", "")}
            for item in exc.errors()
        ]
        summary = "; ".join(f"{item['path']}: {item['message']}" for item in problems)
        error = ApiError(400, "400", f"the request is not valid: {summary}", report={"errors": problems})
        return JSONResponse(error.body(), 400)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        error = ApiError(exc.status_code, str(exc.status_code), str(exc.detail))
        return JSONResponse(error.body(), exc.status_code)

    async def domain_error(request: Request, exc: Exception) -> JSONResponse:
        translated = translate(exc) or ApiError(500, "500", f"internal error ({type(exc).__name__})")
        return JSONResponse(translated.body(), translated.status)

    # One handler per domain error class: a handler for ``Exception`` itself would run in Starlette's server-error
    # middleware, which logs and re-raises after answering. Anything else is a 500 with Starlette's plain body.
    for error_class in DOMAIN_ERRORS:
        app.add_exception_handler(error_class, domain_error)

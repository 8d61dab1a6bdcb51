"""Runs one flow run: claim it, sync its Stripe resource into its dataset, record the outcome, send its alerts.

The flow's source connection names the resource and its base connection (whose Stripe key is decrypted with
:class:`~stripeflow.access.secrets.SecretBox`); the target connection names the dataset; the flow pins the mapping
set version. Each base connection (Stripe account) has its own raw tables (``<data dir>/raw/<connection id>``).
Runs of one flow never overlap (:meth:`RunRepository.claim`); syncs of one Stripe account are serialized by the
engine's account lock: a run that finds it held waits and tries again. A cancelled run's sync is stopped at its
next heartbeat.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final

import httpx
import orjson
from pydantic import SecretStr

from stripeflow import api
from stripeflow.access.secrets import SecretBox
from stripeflow.errors import ConcurrentSyncError
from stripeflow.flows.alerts import RUN_START, AlertSender, AlertSubscription, event_for
from stripeflow.flows.entities import EntityRecord, EntityRepository
from stripeflow.flows.flow_body import FlowConfig, parse_flow
from stripeflow.flows.run_documents import RunFacts, failed_body, finished_body, millis, run_document
from stripeflow.flows.runs import FAILED, IN_PROGRESS, RunRecord, RunRepository
from stripeflow.platform import Platform
from stripeflow.prep.repository import MappingSetRepository
from stripeflow.settings import Settings
from stripeflow.store import MetadataStore
from stripeflow.store.database import Clock, Database, utc_now
from stripeflow.sync.engine import SyncReport

log = logging.getLogger(__name__)

#: An ``inProgress`` run whose heartbeat is older than this was left by a process that died.
STALE_AFTER: Final = timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class RunPlan:
    """What the sync of one run needs, read from the flow and its connections."""

    flow: EntityRecord
    config: FlowConfig
    resource: str
    base_connection_id: str
    access_token: str
    dataset_id: str


class RunExecutor:
    """Executes runs against the metadata store of ``settings``; safe to share between concurrent runs."""

    def __init__(
        self,
        settings: Settings,
        store: MetadataStore,
        *,
        clock: Clock = utc_now,
        transport: httpx.AsyncBaseTransport | None = None,
        alerts: AlertSender | None = None,
        heartbeat_every: float = 15.0,
        lock_retry_every: float = 5.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.settings = settings
        self.store = store
        self.db = Database(store.engine)
        self.clock = clock
        self.runs = RunRepository(self.db, clock)
        self._transport = transport
        self._alerts = alerts
        self._heartbeat_every = heartbeat_every
        self._lock_retry_every = lock_retry_every
        self._sleep = sleep
        self._box: SecretBox | None = None

    def recover_stale(self, stale_after: timedelta = STALE_AFTER) -> list[RunRecord]:
        """Mark the ``inProgress`` runs without a recent heartbeat failed (call on start-up)."""
        now_ms = millis(self.clock()) or 0

        def body_for(record: RunRecord) -> dict[str, Any]:
            message = (
                f"the run stopped without finishing: no heartbeat since {record.heartbeat_at}; the process running "
                "it ended. The next run reads what this one missed"
            )
            return failed_body(record.body, message, started_ms=millis(record.started_at), completed_ms=now_ms)

        return self.runs.fail_stale(stale_after, body_for)

    async def execute(self, run_id: str) -> RunRecord | None:
        """Run a ``scheduled`` run to its end; ``None`` when it could not be claimed (not scheduled any more, or
        another run of its flow is in progress)."""
        run = await asyncio.to_thread(self.runs.claim, run_id)
        if run is None:
            return None
        log.info("flow run started", extra={"run_id": run.id, "flow_id": run.flow_id})
        deliveries: list[asyncio.Task[Any]] = []
        try:
            plan = await asyncio.to_thread(self._plan, run)
        except Exception as exc:  # the flow or a connection is gone or broken: the run fails, saying why
            facts = self._facts(run, None, self.clock())
            facts.error = f"the flow cannot run: {exc}"
            return await self._finish(run, facts, None, deliveries)
        deliveries.append(self._alert(plan, RUN_START, run))
        facts = self._facts(run, plan, self.clock())
        try:
            outcome = await self._watched(run, self._sync(run, plan, facts))
        except asyncio.CancelledError:  # the server is stopping: the run ends failed, the next one catches up
            stopped = failed_body(run.body, "the server stopped during the run", started_ms=facts.started_ms,
                                  completed_ms=millis(self.clock()) or 0)  # fmt: skip
            self.runs.finish(run.id, FAILED, stopped)
            raise
        if outcome == "cancelled":
            log.info("flow run cancelled", extra={"run_id": run.id})
            await asyncio.gather(*deliveries, return_exceptions=True)
            return await self._current(run.id)
        return await self._finish(run, facts, plan, deliveries)

    async def _finish(
        self, run: RunRecord, facts: RunFacts, plan: RunPlan | None, deliveries: list[asyncio.Task[Any]]
    ) -> RunRecord | None:
        facts.completed_ms = millis(self.clock()) or 0
        status, body = finished_body(run.body, facts)
        finished = await asyncio.to_thread(self.runs.finish, run.id, status, body)
        if finished is not None and plan is not None:
            deliveries.append(self._alert(plan, event_for(status), finished))
        await asyncio.gather(*deliveries, return_exceptions=True)
        log.info("flow run finished", extra={"run_id": run.id, "status": status})
        return finished

    def _alert(self, plan: RunPlan, event: str, run: RunRecord) -> asyncio.Task[Any]:
        subscription: AlertSubscription | None = plan.config.alerts
        if self._alerts is None or subscription is None:
            return asyncio.ensure_future(asyncio.sleep(0))
        return asyncio.ensure_future(
            self._alerts.send(plan.flow.id, subscription, event, run_document(run), run.org_id)
        )

    async def _current(self, run_id: str) -> RunRecord | None:
        try:
            return await asyncio.to_thread(self.runs.get, run_id)
        except LookupError:  # the flow was deleted with its runs
            return None

    async def _watched(self, run: RunRecord, work: Awaitable[None]) -> str:
        """Run ``work`` while heartbeating; stop it when the run is cancelled (or deleted). ``done``/``cancelled``."""
        task = asyncio.ensure_future(work)
        while True:
            done, _ = await asyncio.wait({task}, timeout=self._heartbeat_every)
            if done:
                task.result()
                return "done"
            status = await asyncio.to_thread(self.runs.heartbeat, run.id)
            if status != IN_PROGRESS:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                return "cancelled"

    def _plan(self, run: RunRecord) -> RunPlan:
        entities = EntityRepository(
            self.db, self.clock, run.org_id, run.sandbox_name, user="scheduler", client="stripeflow"
        )
        flow = entities.get("flow", run.flow_id)
        config = parse_flow({"name": flow.name, **flow.body})
        source = entities.get("sourceConnection", config.source_connection_id)
        base_id = str(source.body.get("baseConnectionId") or source.parent_id or "")
        base = entities.get("connection", base_id)
        if base.secret is None:
            raise ValueError(f"base connection {base_id} has no stored access token")
        if self._box is None:
            self._box = SecretBox.from_settings(self.settings)
        token = self._box.unseal(base.secret).get("accessToken")
        target = entities.get("targetConnection", config.target_connection_id)
        dataset_id = (target.body.get("params") or {}).get("dataSetId")
        resource = (source.body.get("params") or {}).get("resourcePath")
        if not isinstance(token, str) or not isinstance(dataset_id, str) or not isinstance(resource, str):
            raise ValueError("the connections lack the access token, the resource path or the dataset id")
        return RunPlan(flow, config, resource, base_id, token, dataset_id)

    def _facts(self, run: RunRecord, plan: RunPlan | None, started: datetime) -> RunFacts:
        return RunFacts(
            started_ms=millis(started) or 0,
            completed_ms=millis(started) or 0,
            window_start_ms=millis(run.window_start),
            window_end_ms=millis(run.window_end),
            source_connection_id=plan.config.source_connection_id if plan else "",
            target_connection_id=plan.config.target_connection_id if plan else "",
            resource=plan.resource if plan else "",
        )

    async def _sync(self, run: RunRecord, plan: RunPlan, facts: RunFacts) -> None:
        """Sync the run's resource, waiting while another sync holds the Stripe account; fill ``facts``."""
        try:
            with tempfile.TemporaryDirectory(prefix="stripeflow-run-") as folder:
                mapping_file = await asyncio.to_thread(self._mapping_file, run, plan, Path(folder))
                since = await asyncio.to_thread(self._since, run)
                report = await self._sync_when_free(run, plan, mapping_file, since)
        except Exception as exc:  # the run fails with the reason; the scheduler goes on
            log.exception("flow run failed", extra={"run_id": run.id})
            facts.error = f"{type(exc).__name__}: {exc}"
            return
        await asyncio.to_thread(self._learn, report, plan, run, facts)

    async def _sync_when_free(self, run: RunRecord, plan: RunPlan, mapping_file: Path, since: int | None) -> SyncReport:
        settings = self.settings.model_copy(
            update={
                "access_token": SecretStr(plan.access_token),
                "raw_datasets_dir": self.settings.data_dir / "raw" / plan.base_connection_id,
                "database_url": self.settings.metadata_url,
            }
        )
        while True:
            try:
                return await api.sync_async(
                    settings,
                    resources=plan.resource,
                    since=since,
                    transport=self._transport,
                    datasets={plan.resource: plan.dataset_id},
                    mappings={plan.resource: str(mapping_file)},
                    error_threshold=plan.config.partial_ingestion_percent,
                    org_id=run.org_id,
                    sandbox_name=run.sandbox_name,
                    diagnostics=plan.config.diagnostics,
                    run_id=run.id,
                )
            except ConcurrentSyncError:
                log.info("the Stripe account is being synced; waiting", extra={"run_id": run.id})
                await self._sleep(self._lock_retry_every)

    def _mapping_file(self, run: RunRecord, plan: RunPlan, folder: Path) -> Path:
        """The pinned mapping set version, as a JSON file the sync reads (its id alone means the latest)."""
        repository = MappingSetRepository(self.db, self.clock, run.org_id, run.sandbox_name)
        body = repository.get(plan.config.mapping_id, plan.config.mapping_version)
        path = folder / f"mapping-{plan.config.mapping_id}-v{plan.config.mapping_version}.json"
        path.write_bytes(orjson.dumps(body))
        return path

    def _since(self, run: RunRecord) -> int | None:
        """The first run of a flow reads from its window's start (0: all history); later runs read incrementally."""
        if run.window_start is None or self.runs.has_finished_run(run.flow_id, excluding=run.id):
            return None
        start = int(run.window_start.timestamp())
        return start if start > 0 else None

    def _learn(self, report: SyncReport, plan: RunPlan, run: RunRecord, facts: RunFacts) -> None:
        resource = report.resources.get(plan.resource)
        facts.sync_id = report.sync_id
        if resource is None:
            facts.error = f"the sync did not report on {plan.resource}"
            return
        facts.extraction_status = "success" if resource.status == "success" or resource.mapped else "failed"
        facts.extraction_error = resource.error
        facts.records, facts.requests = resource.records, resource.requests
        facts.mapped = resource.mapped
        batch_id = (resource.mapped or {}).get("batch_id")
        if batch_id:
            platform = Platform(self.settings, self.store, org_id=run.org_id, sandbox_name=run.sandbox_name)
            with contextlib.suppress(LookupError):
                facts.batch_metrics = dict(platform.catalog.get_batch(str(batch_id))[str(batch_id)].get("metrics", {}))

"""The sync of one Stripe account: validate the key, then sync the chosen resources side by side.

Every resource has its own error boundary: a restricted key that lacks one permission fails that resource and the
others complete. An invalid, expired or revoked key stops everything at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import ctypes
import functools
import gc
import hashlib
import logging
import os
import sys
import time
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from stripeflow.errors import (
    AuthenticationError,
    ConfigurationError,
    FatalError,
    PermissionDeniedError,
    StripeError,
)
from stripeflow.lake.records import SystemColumns
from stripeflow.lake.worker import EncodedRecords, LakeWorker, Records, WorkerError
from stripeflow.settings import Settings
from stripeflow.store import BatchCounts, MetadataStore, open_store
from stripeflow.stripe.client import StripeClient, account_from_permission_error
from stripeflow.stripe.ratelimit import RequestBudget
from stripeflow.stripe.resources import ResourceSpec
from stripeflow.sync.context import Progress, ResourceContext
from stripeflow.sync.lock import lock_file, sync_lock
from stripeflow.sync.resource_sync import Plan, ResourceSync
from stripeflow.sync.writer import CheckpointedWriter

log = logging.getLogger(__name__)

#: A sync or batch whose heartbeat is older than this is taken for one a killed process left behind.
STALE_AFTER = timedelta(minutes=30)

#: Stripe opened in 2011; nothing of an account can be older. Used when /v1/account cannot be read.
STRIPE_EPOCH = 1293840000

#: glibc's ``M_MMAP_THRESHOLD`` and ``M_TRIM_THRESHOLD`` while a sync runs (see :func:`_fixed_malloc_thresholds`).
MALLOC_THRESHOLDS = (256 * 1024, 1024 * 1024)


@dataclass(frozen=True, slots=True)
class SyncOptions:
    resources: tuple[ResourceSpec, ...]
    since: int | None = None
    full_refresh: bool = False
    concurrency: int = 8
    batch_size: int = 2000
    #: Map each resource's new rows into a catalog dataset after its extraction (``None``: extraction only).
    mapping: MappingRequest | None = None
    #: Resource -> mapping target (:meth:`stripeflow.platform.MappingTarget.to_json`), resolved from ``mapping``
    #: by the dataset writer process when the sync starts.
    targets: Mapping[str, Mapping[str, Any]] | None = None


@dataclass(frozen=True, slots=True)
class MappingRequest:
    """Where extracted rows are mapped: per resource a catalog dataset id and/or a mapping set (id or JSON file);
    unnamed resources use their ready-made dataset and default mapping set."""

    datasets: Mapping[str, str] = field(default_factory=dict)
    mappings: Mapping[str, str] = field(default_factory=dict)
    error_threshold_percent: float | None = None
    #: The organization and sandbox whose catalog and mapping sets are used (``None``: the embedded default).
    org_id: str | None = None
    sandbox_name: str | None = None
    #: Row-error diagnostics when partial ingestion is off (a flow's ``errorDiagnosticsEnabled``).
    diagnostics: bool = True
    #: The flow run the catalog batches are made for (recorded on each batch).
    run_id: str | None = None


@dataclass(slots=True)
class ResourceReport:
    name: str
    status: str = "success"  # success | failed
    mode: str | None = None
    records: int = 0
    deleted: int = 0
    requests: int = 0
    throttled: int = 0
    retries: int = 0
    dataset: str = ""
    error: str | None = None
    note: str | None = None
    batch_id: str | None = None
    seconds: float = 0.0
    mapped: dict[str, Any] | None = None  # the catalog batch that mapped the rows (see sync/mapping.py)


@dataclass(slots=True)
class SyncReport:
    account: str
    livemode: bool
    sync_id: str
    resources: dict[str, ResourceReport] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return all(report.status == "success" for report in self.resources.values())

    def to_json(self) -> dict[str, Any]:
        """The ``stripeflow sync --json`` document."""
        return {
            "account": self.account,
            "livemode": self.livemode,
            "sync_id": self.sync_id,
            "resources": {
                name: {
                    "records": report.records,
                    "deleted": report.deleted,
                    "requests": report.requests,
                    "throttled": report.throttled,
                    "dataset": report.dataset,
                    "status": report.status,
                    "mode": report.mode,
                    "seconds": round(report.seconds, 3),
                    "error": report.error,
                    **({"note": report.note} if report.note else {}),
                    **({"mapped": report.mapped} if report.mapped is not None else {}),
                }
                for name, report in self.resources.items()
            },
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True, slots=True)
class Account:
    id: str
    created: int | None
    livemode: bool


def default_global_rps(key: str, livemode: bool, configured: float | None) -> float:
    """The configured rate, else Stripe's documented account limit: 100 req/s live, 25 in test mode."""
    if configured is not None:
        return configured
    return 100.0 if livemode else 25.0


async def identify(client: StripeClient, key: str) -> Account:
    """Validate the key with one cheap call and learn the account it belongs to."""
    from_prefix = "_live_" in key
    account_answer, livemode = await asyncio.gather(
        client.get("/v1/account", resource="account"),
        observed_livemode(client, from_prefix),
        return_exceptions=True,
    )
    for outcome in (account_answer, livemode):
        if isinstance(outcome, BaseException) and not isinstance(outcome, PermissionDeniedError):
            raise outcome
    mode = livemode if isinstance(livemode, bool) else from_prefix
    if isinstance(account_answer, PermissionDeniedError):  # a restricted key without rak_account_read is valid
        fingerprint = f"key_{hashlib.sha256(key.encode()).hexdigest()[:16]}"
        return Account(id=account_from_permission_error(account_answer) or fingerprint, created=None, livemode=mode)
    assert isinstance(account_answer, dict)
    created = account_answer.get("created")
    return Account(
        id=str(account_answer.get("id")), created=int(created) if isinstance(created, int) else None, livemode=mode
    )


async def observed_livemode(client: StripeClient, from_prefix: bool) -> bool:
    """The mode Stripe reports (``/v1/balance`` carries ``livemode``), falling back to the key's prefix."""
    try:
        balance = await client.get("/v1/balance", resource="account")
    except PermissionDeniedError:
        return from_prefix
    reported = balance.get("livemode")
    if isinstance(reported, bool) and reported != from_prefix:
        log.warning(
            "the key's prefix and Stripe disagree on the mode; using Stripe's",
            extra={"livemode": reported, "key": client.key_mask},
        )
        return reported
    return from_prefix


@dataclass(frozen=True, slots=True)
class Survey:
    """What the plan needs besides the account, read in the same round trip as the key check."""

    clocks: list[str]
    newest_event: int | None


async def take_survey(client: StripeClient, key: str) -> tuple[Account, Survey]:
    """Check the key and read the test clocks and the newest event side by side (one round trip, not three)."""
    no_clocks: list[str] = []
    account, clocks, newest = await asyncio.gather(
        identify(client, key),
        asyncio.sleep(0, no_clocks) if "_live_" in key else list_test_clocks(client),
        newest_event_time(client),
        return_exceptions=True,
    )
    if isinstance(account, BaseException):
        raise account
    return account, Survey(
        clocks=clocks if isinstance(clocks, list) else [], newest_event=newest if isinstance(newest, int) else None
    )


async def list_test_clocks(client: StripeClient) -> list[str]:
    """Test clocks of a test-mode account (their customers and subscriptions are hidden from plain lists)."""
    try:
        page = await client.get("/v1/test_helpers/test_clocks", {"limit": "100"}, resource="test_clocks")
    except StripeError as exc:
        log.warning("cannot list test clocks; objects under test clocks are skipped", extra={"error": str(exc)})
        return []
    return [str(item["id"]) for item in page.get("data") or [] if isinstance(item, Mapping) and "id" in item]


async def newest_event_time(client: StripeClient) -> int | None:
    try:
        page = await client.get("/v1/events", {"limit": "1"}, resource="events")
    except StripeError:
        return None
    data = page.get("data") or []
    return int(data[0]["created"]) if data else None


class SyncEngine:
    """Runs syncs for the key in ``settings``; build one per sync (it owns the HTTP client)."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        store: MetadataStore | None = None,
    ) -> None:
        if settings.access_token is None:
            raise ConfigurationError(
                "no Stripe access token: pass --access-token or set STRIPEFLOW_ACCESS_TOKEN "
                "(a secret key sk_... or a restricted key rk_... from Developers > API keys)"
            )
        self.settings = settings
        self.key = settings.access_token.get_secret_value()
        self.transport = transport
        self._store = store

    async def run(self, options: SyncOptions, progress: Mapping[str, Progress] | None = None) -> SyncReport:
        started = time.monotonic()
        _fixed_malloc_thresholds()
        livemode = "_live_" in self.key
        budget = RequestBudget(
            default_global_rps(self.key, livemode, self.settings.max_rps), self.settings.max_endpoint_rps
        )
        client = StripeClient(
            self.key,
            api_base=self.settings.stripe_api_base,
            api_version=self.settings.stripe_version,
            budget=budget,
            transport=self.transport,
            max_connections=options.concurrency * 2 + 2,
        )
        store = (
            self._store if self._store is not None else await asyncio.to_thread(open_store, self.settings.metadata_url)
        )
        stack = contextlib.AsyncExitStack()
        await stack.enter_async_context(_periodic_gc())
        try:
            # The writer process starts (imports Arrow and Delta) while the key is checked and the sync planned.
            starting = asyncio.ensure_future(asyncio.to_thread(LakeWorker, self.settings.datasets_dir))
            stack.push_async_callback(_close_worker, starting)  # also when the key is refused
            account, survey = await take_survey(client, self.key)
            if account.livemode != livemode and self.settings.max_rps is None:
                budget.set_global_ceiling(default_global_rps(self.key, account.livemode, None))
            stack.enter_context(sync_lock(self.settings.data_dir, account.id))
            worker = await starting
            # Closed before the account lock is released: the last writes land first.
            stack.push_async_callback(asyncio.to_thread, worker.close)
            await asyncio.to_thread(worker.hold, lock_file(self.settings.data_dir, account.id, ".writer"))
            if options.mapping is not None:
                options = replace(options, targets=await self._targets(worker, options))
            # Rows a killed sync left "running"; a live sync of another account keeps its heartbeat fresh.
            await asyncio.to_thread(lambda: store.mark_stale_running_as_aborted(stale_after=STALE_AFTER))
            sync_id = await asyncio.to_thread(
                store.start_sync,
                account.id,
                account.livemode,
                [spec.name for spec in options.resources],
                {"since": options.since, "full_refresh": options.full_refresh},
            )
            report = SyncReport(account=account.id, livemode=account.livemode, sync_id=sync_id)
            plan = self._plan(account, survey, options, client.server_now())
            progress = progress or {spec.name: Progress(spec.name) for spec in options.resources}
            tasks = [
                self._sync_resource(
                    client, store, worker, sync_id, account, spec, plan[spec.name], options, progress[spec.name]
                )
                for spec in options.resources
            ]
            for resource_report in await asyncio.gather(*tasks):
                report.resources[resource_report.name] = resource_report
            report.seconds = time.monotonic() - started
            status = (
                "success"
                if report.ok
                else (
                    "failed" if not any(item.status == "success" for item in report.resources.values()) else "partial"
                )
            )
            await asyncio.to_thread(store.finish_sync, sync_id, status)
            return report
        finally:
            await stack.aclose()
            await client.aclose()
            if self._store is None:
                await asyncio.to_thread(store.close)

    def _plan(self, account: Account, survey: Survey, options: SyncOptions, now: int) -> dict[str, Plan]:
        clocks = [] if account.livemode else survey.clocks
        anchor = min(now, survey.newest_event or now)
        range_start = max(0, (account.created or STRIPE_EPOCH) - 86400)
        plans: dict[str, Plan] = {}
        for spec in options.resources:
            passes = [dict(item) for item in spec.passes]
            if spec.test_clock_scoped:
                passes += [{**base, "test_clock": clock} for base in spec.passes for clock in clocks]
            plans[spec.name] = Plan(
                since=options.since,
                full_refresh=options.full_refresh,
                range_start=range_start,
                passes=tuple(passes),
                events_anchor=anchor,
            )
        return plans

    async def _sync_resource(
        self,
        client: StripeClient,
        store: MetadataStore,
        worker: LakeWorker,
        sync_id: str,
        account: Account,
        spec: ResourceSpec,
        plan: Plan,
        options: SyncOptions,
        progress: Progress,
    ) -> ResourceReport:
        started = time.monotonic()
        dataset = worker.dataset(spec.name)
        report = ResourceReport(name=spec.name, dataset=str(dataset.path.resolve()))
        batch_id = await asyncio.to_thread(
            lambda: store.start_batch(sync_id, account.id, spec.name, "incremental", dataset_path=report.dataset)
        )
        report.batch_id = batch_id
        ctx = ResourceContext(
            client=client,
            spec=spec,
            progress=progress,
            account=account.id,
            livemode=account.livemode,
            concurrency=options.concurrency,
            batch_size=options.batch_size,
        )
        # Stripe uses one account id for test and live mode: the state is kept per account *and* mode.
        state_key = f"{account.id}/{'live' if account.livemode else 'test'}"
        if self.settings.raw_datasets_dir is not None:
            # Raw tables of their own (a flow's base connection): so is the state, or a second set of tables for
            # the same account would be taken for already backfilled.
            folder = str(self.settings.raw_datasets_dir.resolve()).encode()
            state_key += f"@{hashlib.sha256(folder).hexdigest()[:16]}"
        writer = CheckpointedWriter(store, dataset, state_key, spec.name, self._system(batch_id, account))
        heartbeat = asyncio.create_task(_heartbeat(store, batch_id, progress))
        try:
            outcome = await ResourceSync(ctx, store, dataset, writer).run(plan)
            report.mode, report.note = outcome.mode, outcome.note
        except (PermissionDeniedError, StripeError) as exc:
            if isinstance(exc, FatalError | AuthenticationError):
                raise
            report.status, report.error = "failed", _describe(spec, exc)
            log.error("resource failed", extra={"resource": spec.name, "error": report.error})
        finally:
            heartbeat.cancel()
            progress.done = True
        target = (options.targets or {}).get(spec.name)
        if target is not None and report.status == "success":
            await self._map(worker, dataset.path, batch_id, target, report, progress)
        report.records, report.deleted = progress.records, progress.deleted
        report.requests = progress.metrics.requests
        report.throttled, report.retries = progress.metrics.throttled, progress.metrics.retries
        report.seconds = time.monotonic() - started
        progress.phase = report.status
        counts = _counts(progress)
        version = writer.last_version
        await asyncio.to_thread(
            lambda: store.finish_batch(
                batch_id,
                report.status,
                counts=counts,
                mode=BATCH_MODES.get(report.mode or "", "incremental"),
                error=report.error,
                dataset_version=version,
            )
        )
        return report

    async def _targets(self, worker: LakeWorker, options: SyncOptions) -> dict[str, Any]:
        """The mapping targets, resolved (schemas, datasets and mapping sets made or read) by the writer process,
        which has Arrow and Delta loaded: the extraction process stays free of them."""
        assert options.mapping is not None
        request = options.mapping
        settings = self.settings.model_dump(mode="json", exclude={"access_token"})
        names = [spec.name for spec in options.resources]
        args = (settings, names, dict(request.datasets), dict(request.mappings), request.error_threshold_percent)
        scope = {
            "org_id": request.org_id,
            "sandbox_name": request.sandbox_name,
            "diagnostics": request.diagnostics,
            "run_id": request.run_id,
        }
        try:
            targets: dict[str, Any] = await asyncio.to_thread(worker.call, "", "targets", args, scope)
        except WorkerError as exc:
            kind, _, message = str(exc).partition(": ")
            if kind == "ConfigurationError":
                raise ConfigurationError(message) from None
            raise
        return targets

    @staticmethod
    async def _map(
        worker: LakeWorker,
        raw_table: Path,
        batch_id: str,
        target: Mapping[str, Any],
        report: ResourceReport,
        progress: Progress,
    ) -> None:
        """Map the rows extraction just landed into the target's catalog dataset (in the writer process)."""
        progress.phase = "mapping"
        try:
            mapped = await asyncio.to_thread(worker.call, "", "promote", (dict(target), str(raw_table), batch_id), {})
        except WorkerError as exc:
            report.status = "failed"
            report.error = f"mapping into dataset {target['dataset_id']} failed: {exc}"
            log.error("mapping failed", extra={"resource": report.name, "error": report.error})
            return
        report.mapped = mapped
        failed, total = mapped["failed"], mapped["input"]
        if mapped["status"] != "success":
            report.status = "failed"
            report.error = (
                f"{failed} of {total} records failed mapping or validation, more than the error threshold allows "
                f"({target['error_threshold_percent'] or 0}%); nothing was written to dataset {target['dataset_id']}. "
                f"See the row errors: stripeflow datasets errors {mapped['batch_id']}"
            )
        elif failed:
            note = f"{failed} of {total} records rejected by mapping (row errors: batch {mapped['batch_id']})"
            report.note = f"{report.note}; {note}" if report.note else note

    def _system(self, batch_id: str, account: Account) -> Callable[[Records], SystemColumns]:
        def system(records: Records) -> SystemColumns:
            if isinstance(records, EncodedRecords):
                found = records.livemode
            else:
                found = next(
                    (record["livemode"] for record in records if isinstance(record.get("livemode"), bool)), None
                )
            livemode = account.livemode if found is None else bool(found)
            return SystemColumns(
                batch_id=batch_id,
                api_version=self.settings.stripe_version,
                livemode=livemode,
                account=account.id,
                ingested_at=datetime.now(UTC),
            )

        return system


@contextlib.asynccontextmanager
async def _periodic_gc(every: float = 1.0) -> AsyncIterator[None]:
    """Python's cyclic garbage collector, once a second instead of after every 700 new objects, while a sync runs.

    Decoding a list page makes thousands of dicts and lists, and the pages in flight live long enough to reach the
    oldest generation, so the automatic collector ran full collections over every module object of the process
    again and again: a fifth of the extraction's CPU. Pages are trees that reference counting frees; what exists
    when the sync starts is collected and frozen (``gc.freeze``), so each periodic collection visits only what the
    sync made. Left as it is when the caller turned the collector off.
    """
    if not gc.isenabled():
        yield
        return
    gc.collect()
    gc.freeze()
    gc.disable()

    async def collect() -> None:
        while True:
            await asyncio.sleep(every)
            gc.collect()

    task = asyncio.ensure_future(collect())
    try:
        yield
    finally:
        task.cancel()
        gc.unfreeze()
        gc.enable()


@functools.cache
def _fixed_malloc_thresholds() -> None:
    """Fix glibc's mmap and trim thresholds (once per process; not where the environment sets them already).

    glibc raises its mmap threshold to the size of each large block freed, up to 32 MB, and its trim threshold to
    twice that: once a few list-page bodies (hundreds of KB) and batches (megabytes) have been freed, such blocks
    come from the heap and the per-thread arenas and stay there when freed. With fixed thresholds, blocks above
    256 KB are mapped and given back when freed: about 45 MB less RSS in this process at 100,000 objects per
    resource, for no measurable CPU."""
    if sys.platform != "linux" or os.environ.keys() & {"MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_"}:
        return
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (musl has no mallopt)
        return
    mmap_threshold, trim_threshold = MALLOC_THRESHOLDS
    mallopt(_M_MMAP_THRESHOLD, mmap_threshold)
    mallopt(_M_TRIM_THRESHOLD, trim_threshold)


_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3  # glibc's <malloc.h>


async def _close_worker(starting: asyncio.Future[LakeWorker]) -> None:
    try:
        worker = await starting
    except Exception:  # it never started; the error that matters is the sync's own
        log.debug("the dataset writer did not start", exc_info=True)
        return
    await asyncio.to_thread(worker.close)


def _counts(progress: Progress) -> BatchCounts:
    metrics = progress.metrics
    return BatchCounts(
        records=progress.records,
        deleted=progress.deleted,
        requests=metrics.requests,
        throttled=metrics.throttled,
        retries=metrics.retries,
    )


async def _heartbeat(store: MetadataStore, batch_id: str, progress: Progress, every: float = 15.0) -> None:
    """Keep the batch's counts (and so its liveness) fresh in the store while it runs."""
    while True:
        await asyncio.sleep(every)
        counts = _counts(progress)
        await asyncio.to_thread(store.update_batch_progress, batch_id, counts)


#: How each way of running maps onto the batch record's mode.
BATCH_MODES = {
    "backfill": "backfill",
    "resume": "backfill",
    "rebackfill": "rebackfill",
    "full-refresh": "rebackfill",
    "incremental": "incremental",
}


def _describe(spec: ResourceSpec, exc: StripeError) -> str:
    if isinstance(exc, PermissionDeniedError):
        permission = exc.permission or spec.permission
        return (
            f"the key may not read {spec.name}: it lacks the '{permission}' permission. Give the restricted key "
            f"'{permission}' (Developers > API keys > edit key), or leave {spec.name} out with --resources. "
            f"(Stripe request {exc.request_id})"
        )
    return str(exc)

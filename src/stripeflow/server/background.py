"""The flow scheduler as a background task of the API server's event loop."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import FastAPI

from stripeflow.flows.alerts import AlertDeliveryRepository, AlertSender, signing_secret
from stripeflow.flows.executor import RunExecutor
from stripeflow.flows.scheduler import Scheduler
from stripeflow.settings import Settings
from stripeflow.store import MetadataStore
from stripeflow.store.database import Clock, Database


def start_scheduler(
    app: FastAPI, settings: Settings, store: MetadataStore, clock: Clock, tick_every: float
) -> asyncio.Task[None]:
    """Start the scheduler (``app.state.scheduler``); its runs execute in this event loop, a few at a time."""
    sender = AlertSender(AlertDeliveryRepository(Database(store.engine), clock), signing_secret(settings))
    executor = RunExecutor(settings, store, clock=clock, alerts=sender)
    scheduler = app.state.scheduler = Scheduler(executor, clock=clock, tick_every=tick_every)
    return asyncio.ensure_future(scheduler.serve())


async def stop_scheduler(app: FastAPI, task: asyncio.Task[None], *, drain_timeout: float = 30.0) -> None:
    """Cancel the scheduler; the runs in flight end ``failed`` (the next run catches up).

    A cancelled ``asyncio.to_thread`` call leaves its thread running: wait (up to ``drain_timeout``) until those
    threads have given their metadata-store connections back, so that closing the store closes every connection.
    """
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    app.state.scheduler = None
    store: MetadataStore = app.state.store
    checked_out = getattr(store.engine.pool, "checkedout", None)
    poll = 0.05
    for _ in range(int(drain_timeout / poll)):  # the threads report nowhere: poll the pool
        if checked_out is None or checked_out() == 0:
            break
        await asyncio.sleep(poll)

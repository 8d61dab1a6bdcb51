"""Generating a whole data set from its spec, in three branches that can run side by side.

Customers and the catalogue come first (the other objects refer to them). Then two independent branches follow:
the subscriptions, and the payments (charges, refunds, balance transactions). Each branch draws from its own
random streams (also for ids and event ids), so the result is the same whether the branches run one after the
other or, for big data sets on a multi-core machine, the billing branch runs in a forked worker process that
sends back its finished rows.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
import tempfile
import threading
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field

from stripeflow.emulator import generate_payments as payments
from stripeflow.emulator import views
from stripeflow.emulator.dataset import Dataset, DatasetSpec
from stripeflow.emulator.events import EventRecorder
from stripeflow.emulator.generate_catalog import Catalog, generate_catalog
from stripeflow.emulator.generate_people import People, customers, subscriptions, test_clocks
from stripeflow.emulator.shapes_billing import Context, Obj
from stripeflow.emulator.store import Row, rows, serialize

#: Below this many objects in a data set, forking a worker costs more than it saves.
PARALLEL_THRESHOLD = 60_000


@dataclass(slots=True)
class Output:
    """What a branch made: rows per collection, and the full item lists of long subscriptions."""

    rows: dict[str, list[Row]] = field(default_factory=dict)
    long_items: dict[str, list[tuple[str, bytes]]] = field(default_factory=dict)


def build_dataset(spec: DatasetSpec, *, parallel: bool | None = None) -> Dataset:
    """Generate a whole data set; deterministic for a given spec, whether built in parallel or not.

    ``parallel`` None decides by size and CPU count. The cyclic garbage collector is paused meanwhile (the objects
    built here are long-lived and acyclic; scanning them over and over made generation superlinear) and the
    result is frozen out of later collections.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        data = Dataset(spec)
        people = People()
        _absorb(data, _customers_branch(data, people))
        ctx, recorder = data.context("billing"), data.recorder_for("billing")
        catalog = generate_catalog(ctx, data.rng("prices"), spec.counts["prices"], spec.anchor, recorder)
        if parallel is None:
            parallel = sum(spec.counts.values()) >= PARALLEL_THRESHOLD and _can_fork()
        billing = _start_in_child(lambda: _billing_branch(data, people, catalog, ctx, recorder)) if parallel else None
        _absorb(data, _payments_branch(data, people))
        _absorb(data, billing() if billing else _billing_branch(data, people, catalog, ctx, recorder))
        for record in data["balance_transactions"].records.values():
            data.track_pending(record)
        return data
    finally:
        gc.freeze()
        if was_enabled:
            gc.enable()


def _absorb(data: Dataset, output: Output) -> None:
    for name, new_rows in output.rows.items():
        data[name].absorb(new_rows)
    data.long_items.update(output.long_items)


def _customers_branch(data: Dataset, people: People) -> Output:
    spec, ctx, recorder = data.spec, data.context("customers"), data.recorder_for("customers")
    clocks = test_clocks(ctx, data.rng("test_clocks"), spec.anchor, spec.counts["customers"])
    made = customers(ctx, data.rng("customers"), spec.counts["customers"], spec.anchor, clocks, recorder, people)
    output = Output()
    output.rows["test_clocks"] = list(rows(views.TEST_CLOCKS, clocks))
    output.rows["customers"] = list(rows(views.CUSTOMERS, made))
    output.rows["events"] = list(rows(views.EVENTS, recorder.drain()))
    return output


def _billing_branch(data: Dataset, people: People, catalog: Catalog, ctx: Context, recorder: EventRecorder) -> Output:
    """Subscriptions, then the catalogue (whose inline prices the subscriptions add to) and their events."""
    spec = data.spec
    long_items: dict[str, list[Obj]] = {}
    made = subscriptions(
        ctx, data.rng("subscriptions"), spec.counts["subscriptions"], spec.anchor, people, catalog, recorder, long_items
    )
    output = Output()
    output.rows["subscriptions"] = list(rows(views.SUBSCRIPTIONS, made))
    output.rows["products"] = list(rows(views.PRODUCTS, catalog.products))
    output.rows["prices"] = list(rows(views.PRICES, catalog.prices))
    output.rows["inline_prices"] = list(rows(views.PRICES, catalog.inline))
    output.rows["events"] = list(rows(views.EVENTS, recorder.drain()))
    output.long_items = {sub: [(item["id"], serialize(item)) for item in items] for sub, items in long_items.items()}
    return output


def _payments_branch(data: Dataset, people: People) -> Output:
    spec, ctx, recorder = data.spec, data.context("payments"), data.recorder_for("payments")
    counts = (spec.counts["charges"], spec.counts["refunds"], spec.counts["balance_transactions"])
    plan = payments.plan_payments(ctx, data.rng("charges"), counts, spec.anchor, people)
    output = Output()
    output.rows["charges"] = list(
        rows(views.CHARGES, payments.charges(ctx, data.rng("charge_details"), plan, recorder))
    )
    output.rows["refunds"] = list(rows(views.REFUNDS, payments.refunds(data.rng("refunds"), plan, recorder)))
    ledger = payments.balance_transactions(data.rng("ledger"), plan, spec.anchor)
    output.rows["balance_transactions"] = list(rows(views.BALANCE_TRANSACTIONS, ledger))
    output.rows["events"] = list(rows(views.EVENTS, recorder.drain()))
    return output


def _can_fork() -> bool:
    """Fork only where it is cheap and safe: several CPUs, and no other thread that could hold a lock."""
    forkable = "fork" in multiprocessing.get_all_start_methods()
    return forkable and (os.cpu_count() or 1) >= 2 and threading.active_count() == 1


def _start_in_child(branch: Callable[[], Output]) -> Callable[[], Output]:
    """Run ``branch`` in a forked process (it inherits every input); the returned callable waits for its output.

    The child pickles its output into a temporary file as soon as it is done, so that writing overlaps with the
    parent's own work; the parent reads it back once its branch is finished.
    """
    handle, path = tempfile.mkstemp(prefix="stripeflow-emulator-", suffix=".pickle")
    os.close(handle)
    process = multiprocessing.get_context("fork").Process(target=_run_and_dump, args=(branch, path), daemon=True)
    with warnings.catch_warnings():  # Python 3.12+ warns about fork with threads; the child takes no locks
        warnings.simplefilter("ignore", DeprecationWarning)
        process.start()

    def wait() -> Output:
        process.join()
        try:
            with open(path, "rb") as file:
                result = pickle.load(file)  # noqa: S301 - written just now by our own child process
        finally:
            os.unlink(path)
        if not isinstance(result, Output):
            raise RuntimeError(f"generating data in a worker process failed: {result}")
        return result

    return wait


def _run_and_dump(branch: Callable[[], Output], path: str) -> None:
    result: Output | str
    try:
        result = branch()
    except Exception as exc:  # the parent raises it with context
        result = f"{type(exc).__name__}: {exc}"
    with open(path, "wb") as file:
        pickle.dump(result, file, protocol=pickle.HIGHEST_PROTOCOL)

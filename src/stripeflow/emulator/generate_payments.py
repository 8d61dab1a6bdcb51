"""Generation of charges, refunds and the balance transactions (the ledger) that record them.

Everything is planned first (which charges fail, which get refunded and by how much, which ledger entries exist)
and built afterwards, so that each object is built once with its final values and the relations agree:
``charge.amount_refunded`` is the sum of its succeeded refunds, and every balance transaction of type ``charge``
or ``refund`` names an existing charge or refund whose ``balance_transaction`` names it back.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field

from stripeflow.emulator import shapes_payments as shapes
from stripeflow.emulator.chance import Weighted, below, between, pick
from stripeflow.emulator.events import EventRecorder
from stripeflow.emulator.generate_people import CustomerRef, People
from stripeflow.emulator.shapes_billing import Context, Obj
from stripeflow.emulator.shapes_payments import ChargePlan, Payer, RefundPlan
from stripeflow.emulator.timeline import DAY, later_time, sample_times

FAILED_SHARE = 0.06
GUEST_SHARE = 0.15
FAILED_REFUND_SHARE = 0.01
#: Extra ledger entries when more balance transactions are asked for than charges and refunds make.
FILLER_KINDS = Weighted((("payout", 0.7), ("stripe_fee", 0.15), ("adjustment", 0.15)))


@dataclass(slots=True)
class Payments:
    charges: list[ChargePlan] = field(default_factory=list)
    refunds: list[RefundPlan] = field(default_factory=list)
    ledger: list[tuple[int, str, ChargePlan | RefundPlan | None, str]] = field(default_factory=list)


def _payer(cache: dict[str, Payer], ref: CustomerRef) -> Payer:
    payer = cache.get(ref.id)
    if payer is None:
        payer = cache[ref.id] = Payer(ref.id, ref.name, ref.email, ref.address)
    return payer


def plan_charges(ctx: Context, rng: random.Random, count: int, anchor: int, people: People) -> list[ChargePlan]:
    plans: list[ChargePlan] = []
    payers: dict[str, Payer] = {}
    for created in sample_times(rng, count, anchor):
        known = people.before(created)
        if known and rng.random() >= GUEST_SHARE:
            payer = _payer(payers, people.customers[below(rng, known)])
        else:
            payer = shapes.guest_payer(rng)
        method, currency = shapes.pick_method(rng)
        amount = shapes.draw_amount(rng)
        plans.append(
            ChargePlan(
                id=ctx.ids.new("ch"),
                created=created,
                payer=payer,
                amount=amount,
                currency=currency,
                method=method,
                failed=rng.random() < FAILED_SHARE,
                payment_intent=ctx.ids.new("pi"),
                payment_method=ctx.ids.new("pm"),
            )
        )
    return plans


def _refund_counts(rng: random.Random, refundable: int, count: int) -> list[int]:
    """How many refunds each refundable charge gets so that they add up to ``count`` (capped at 50 each)."""
    counts = [0] * refundable
    if not refundable:
        return counts
    for index in rng.sample(range(refundable), min(count, refundable)):
        counts[index] = 1
    for _ in range(max(0, count - refundable)):
        index = below(rng, refundable)
        counts[index] = min(50, counts[index] + 1)
    return counts


def _split(rng: random.Random, amount: int, parts: int) -> list[int]:
    """Refund amounts for one charge: one full or partial refund, or ``parts`` partial ones."""
    if parts == 1:
        return [amount if rng.random() < 0.7 else max(1, int(amount * rng.uniform(0.1, 0.9)))]
    cuts = sorted(rng.sample(range(1, amount), parts - 1)) if amount > parts else list(range(1, parts))
    return [high - low for low, high in zip([0, *cuts], [*cuts, amount], strict=True)]


def plan_refunds(
    ctx: Context, rng: random.Random, count: int, anchor: int, charges: list[ChargePlan]
) -> list[RefundPlan]:
    """Refunds of succeeded charges; at most ``count`` (fewer only when there is nothing to refund)."""
    refundable = [plan for plan in charges if not plan.failed]
    refunds = []
    for charge, parts in zip(refundable, _refund_counts(rng, len(refundable), count), strict=True):
        created = charge.created
        for amount in _split(rng, charge.amount, parts) if parts else ():
            created = later_time(rng, created, anchor, 60 * DAY)
            failed = rng.random() < FAILED_REFUND_SHARE
            if not failed:
                charge.amount_refunded += amount
            refunds.append(RefundPlan(ctx.ids.new("re"), created, charge, amount, failed))
    refunds.sort(key=lambda plan: plan.created)
    return refunds


def plan_ledger(ctx: Context, rng: random.Random, count: int, anchor: int, payments: Payments) -> None:
    """Pick the balance transactions: one per succeeded charge and refund, trimmed or padded to ``count``."""
    derived: list[ChargePlan | RefundPlan] = [plan for plan in payments.charges if not plan.failed]
    derived += [plan for plan in payments.refunds if not plan.failed]
    if count < len(derived):
        derived = [derived[index] for index in sorted(rng.sample(range(len(derived)), count))]
    for plan in derived:
        plan.balance_transaction = ctx.ids.new("txn")
        kind = "charge" if isinstance(plan, ChargePlan) else "refund"
        payments.ledger.append((plan.created, kind, plan, plan.balance_transaction))
    for created in sample_times(rng, max(0, count - len(derived)), anchor):
        kind = FILLER_KINDS.draw(rng)
        payments.ledger.append((created, kind, None, ctx.ids.new("txn")))


def plan_payments(
    ctx: Context, rng: random.Random, counts: tuple[int, int, int], anchor: int, people: People
) -> Payments:
    """Plan ``counts`` = (charges, refunds, balance transactions)."""
    payments = Payments(charges=plan_charges(ctx, rng, counts[0], anchor, people))
    payments.refunds = plan_refunds(ctx, rng, counts[1], anchor, payments.charges)
    plan_ledger(ctx, rng, counts[2], anchor, payments)
    return payments


def charges(ctx: Context, rng: random.Random, payments: Payments, recorder: EventRecorder) -> Iterator[Obj]:
    """Build the charges; keep the ones whose refunds fall in the event window for their refund events."""
    watched = {plan.charge.id for plan in payments.refunds if plan.created >= recorder.since}
    kept: dict[str, Obj] = {}
    for plan in payments.charges:
        obj = shapes.charge(ctx, rng, plan)
        if plan.created >= recorder.since:
            first = obj | {"amount_refunded": 0, "refunded": False}
            recorder.record("charge.failed" if plan.failed else "charge.succeeded", first, plan.created)
        if plan.id in watched:
            kept[plan.id] = obj
        yield obj
    _refund_events(payments, kept, recorder)  # runs once the last charge has been taken


def _refund_events(payments: Payments, kept: dict[str, Obj], recorder: EventRecorder) -> None:
    refunded: dict[str, int] = {}
    for plan in payments.refunds:
        if plan.failed:
            continue
        before = refunded.get(plan.charge.id, 0)
        refunded[plan.charge.id] = after = before + plan.amount
        charge = kept.get(plan.charge.id)
        if charge is None or plan.created < recorder.since:
            continue
        state = charge | {"amount_refunded": after, "refunded": after >= plan.charge.amount}
        previous: Obj = {"amount_refunded": before}
        if state["refunded"]:
            previous["refunded"] = False
        recorder.record("charge.refunded", state, plan.created, previous=previous)


def refunds(rng: random.Random, payments: Payments, recorder: EventRecorder) -> Iterator[Obj]:
    for plan in payments.refunds:
        obj = shapes.refund(rng, plan)
        recorder.record("refund.created", obj, plan.created)
        if plan.failed:
            recorder.record("refund.failed", obj, plan.created)
        yield obj


def balance_transactions(rng: random.Random, payments: Payments, anchor: int) -> Iterator[Obj]:
    for created, kind, plan, txn_id in payments.ledger:
        if isinstance(plan, ChargePlan):
            yield shapes.balance_transaction(
                txn_id, created, plan.amount, plan.currency, "charge", plan.id, anchor,
                fee=shapes.charge_fee(plan.method, plan.amount, plan.currency),
                available_on=shapes.charge_available_on(plan.method, created),
                description=f"Payment {plan.id}",
            )  # fmt: skip
        elif isinstance(plan, RefundPlan):
            yield shapes.balance_transaction(
                txn_id, created, -plan.amount, plan.charge.currency, "refund", plan.id, anchor,
                available_on=created, description=f"REFUND FOR CHARGE ({plan.charge.id})",
            )  # fmt: skip
        else:
            yield _filler(rng, txn_id, created, kind, anchor)


def _filler(rng: random.Random, txn_id: str, created: int, kind: str, anchor: int) -> Obj:
    if kind == "payout":
        amount, source, text = -between(rng, 10_000, 2_000_000), f"po_{txn_id[4:]}", "STRIPE PAYOUT"
    elif kind == "stripe_fee":
        amount, source, text = -between(rng, 100, 5000), None, "Radar for Fraud Teams fees"
    else:
        amount, source, text = pick(rng, (-1, 1)) * between(rng, 100, 20_000), None, "Balance adjustment"
    return shapes.balance_transaction(
        txn_id, created, amount, "usd", kind, source, anchor, available_on=created, description=text
    )

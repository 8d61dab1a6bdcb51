"""A local Stripe-compatible API server: seeded data, Stripe's list semantics, rate limits and injected faults.

Entry points: :func:`stripeflow.emulator.app.create_app`, :func:`stripeflow.emulator.server.serve`,
:func:`stripeflow.emulator.server.start_emulator`, and ``python -m stripeflow.emulator``. See ``docs/emulator.md``.
"""

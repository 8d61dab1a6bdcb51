"""The only code that talks to Stripe: client, retries, rate budget, pagination, slicing, events."""

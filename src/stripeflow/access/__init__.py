"""Access: encryption of stored secrets (:mod:`stripeflow.access.secrets`)."""

"""Use cases: transactions composed from storage and the pure core. Record a batch of checks,
apply a declaration, write a transition with its incident and outbox events, sync a services
file."""

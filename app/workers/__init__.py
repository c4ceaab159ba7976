"""What every background worker shares: the leased-worker skeleton (tick, claim, work,
record, stop within a grace), the failure-streak log, and the clock it reads."""

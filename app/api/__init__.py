"""HTTP API: one router per resource; routes stay thin and call use cases and store queries."""

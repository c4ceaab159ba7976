"""HTTP API: one router per resource; routes stay thin and call store functions."""

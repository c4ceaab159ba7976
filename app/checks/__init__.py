"""The checker worker (an edge): the scheduler claims due services, `probe` observes one over
HTTP (spec → ProbeResult, I/O), `run` classifies it with the pure core, and the batch goes to
the `record_checks` use case."""

"""The checking pipeline, one module per stage: probe (spec → ProbeResult, I/O) →
classify (ProbeResult → Verdict, pure) → state machine → run one check."""

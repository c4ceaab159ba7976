"""`pantau agent`: a small process inside an office network that probes the central-system path,
the office's own service and public reference targets, buffers its results on disk and pushes
them to Pantau. It imports nothing of the server (no database, no web framework)."""

"""The webhook dispatcher (an edge): claims due deliveries written by the outbox use case,
sends them signed (Standard Webhooks) through an SSRF-guarded client, and records each
attempt. Event shapes and signing are pure and live in the core."""

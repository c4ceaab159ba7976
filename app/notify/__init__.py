"""Notify stage: a committed transition → outbox events → signed webhook deliveries.

`events` builds the frozen envelope, `outbox` writes events and deliveries inside the
transition's transaction, `dispatcher` claims and sends them, `ssrf` keeps subscriber URLs
away from private networks, `signing` is Standard Webhooks.
"""

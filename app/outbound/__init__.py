"""Outbound HTTP plumbing shared by the workers that call out: the prober and the webhook sender."""

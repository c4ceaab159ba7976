"""The Kemendagri region registry: provinces, regencies and cities with their codes."""

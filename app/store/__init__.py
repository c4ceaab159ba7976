"""Storage: tables and intent-named queries. Everything the checker knows lives here."""

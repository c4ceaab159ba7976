"""Storage: tables and intent-named queries returning typed records. Imports only the core."""

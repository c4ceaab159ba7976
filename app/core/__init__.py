"""The pure core: Pantau's vocabulary and rules. No I/O, no framework, no database."""

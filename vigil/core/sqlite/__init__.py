"""Vigil's SQLite database backend (see base.py). See docs/architecture.md#configuration."""

"""Alembic branch of the diagnostics plugin."""

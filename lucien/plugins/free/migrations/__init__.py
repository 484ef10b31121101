"""Alembic branch of the free plugin."""

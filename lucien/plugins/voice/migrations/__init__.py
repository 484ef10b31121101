"""Alembic branch of the voice plugin."""

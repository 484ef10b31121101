"""Alembic branch of the admin plugin."""

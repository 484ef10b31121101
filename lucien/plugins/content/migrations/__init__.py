"""Alembic branch of the content plugin."""

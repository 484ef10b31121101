"""Alembic branch of the vip plugin."""

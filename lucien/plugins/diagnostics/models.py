"""SQLAlchemy tables of the diagnostics plugin."""

"""SQLAlchemy tables of the voice plugin."""

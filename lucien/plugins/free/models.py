"""SQLAlchemy tables of the free plugin."""

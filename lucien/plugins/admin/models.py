"""SQLAlchemy tables of the admin plugin."""

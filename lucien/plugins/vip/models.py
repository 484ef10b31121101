"""SQLAlchemy tables of the vip plugin."""

"""Database and business logic of the diagnostics plugin."""

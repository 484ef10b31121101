"""Database and business logic of the free plugin."""

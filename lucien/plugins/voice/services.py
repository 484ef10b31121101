"""Database and business logic of the voice plugin."""

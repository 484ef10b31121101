"""Database and business logic of the admin plugin."""

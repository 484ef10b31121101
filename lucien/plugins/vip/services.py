"""Database and business logic of the vip plugin."""

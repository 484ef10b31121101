"""The Alembic environment and the core branch (`versions/`, branch label `core`).

There is no alembic.ini: `lucien.core.db.migrate` builds the configuration in code and
passes the connection in, so `lucien migrate` and startup use the same settings.
"""

"""SQLAlchemy tables of the voice plugin: none. The voice keeps no tables; the last variant
shown to each user lives in the cache (namespace `voice`)."""

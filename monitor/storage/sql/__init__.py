"""The one storage backend: SQLite (embedded default) and PostgreSQL (production, replicas)
through SQLAlchemy Core on SQLModel tables. ``store.SqlStore`` implements every role of
``monitor.storage.base``; the other modules are its parts, one per concern.

May import: core, config, the storage records and the root's modules. Never runner, alerts,
selfcheck, cli or api.
"""

"""The one storage backend: SQLite (embedded default) and PostgreSQL (production, replicas)
through SQLAlchemy Core on SQLModel tables. ``store.SqlStore`` is the facade (``store_base``,
``store_runs``, ``store_reads``, ``store_people``, ``store_alerts``); the other modules are its
parts, one per concern (tables, migrations, engine, runs, claims, outbox, queries, report
queries, ...).

May import: core, config, the storage records and the root's modules. Never runner, alerts,
selfcheck, telemetry, views, report, api, app, service or cli.
"""

"""The read-only query API: ``routes`` (the Starlette app), ``params`` (parameter parsing: a bad
value is a 400, never a 500), ``openapi`` (the document), ``server`` (listen policy, token,
uvicorn on the caller's loop) and ``wiring``.

May import: core, config, storage, telemetry, views, report, selfcheck and the root's modules.
Never runner, alerts, app, service or cli.
"""

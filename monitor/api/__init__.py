"""The read-only query API: ``routes`` (Starlette app), ``params`` (parameter parsing),
``openapi`` (the document), ``server`` (listen policy and uvicorn)."""

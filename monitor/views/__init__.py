"""The JSON shapes scripts read, shared by the CLI's ``--json`` and the API: a run (``run``), an
event (``event``), a run's whole evidence (``evidence``), the difference of two runs (``diff``)
and how values JSON cannot write are written (``jsonable``).

May import: core, config, storage and the root's modules. Never runner, alerts, selfcheck,
report, api, app, service or cli.
"""

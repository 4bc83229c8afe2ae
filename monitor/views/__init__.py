"""The JSON shapes scripts read, shared by the CLI's ``--json`` and the API: a run (``run``), an
event (``event``), a run's whole evidence (``evidence``) and the difference of two runs (``diff``).

May import: core, config, storage and the root's modules. Never runner, alerts, cli or api.
"""

"""Shapes of bodies: the strict JSON reader with caps (``body``), per-path statistics and their
inference (``stats``), the path notation (``paths``), what is shape-like in one value
(``values``: type names, id and timestamp formats), baseline comparison (``diff`` with
``path_changes`` and ``header_changes``), a stream's SSE framing as shape features
(``framing``) and cross-run counts of a baseline (``watch``).

May import: the stdlib and ``core``'s root modules (``model``, ``observation``, ``taxonomy``, ...).
Never ``core.stream`` or ``core.policy``, nothing outside ``core`` but the root's errors, clock
and ids.
"""

"""Shapes of bodies: the strict JSON reader with caps (``body``), per-path statistics
(``stats``), baseline comparison (``diff`` with ``path_changes`` and ``header_changes``) and
cross-run counts of a baseline (``watch``). Pure: stdlib and the rest of ``core`` only.
"""

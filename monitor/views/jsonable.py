"""What ``json.dumps`` cannot write on its own, as the CLI's ``--json`` and the API both write
it: datetimes as ISO 8601 in UTC with ``Z`` (``timeparse.iso_z``), dates as ISO dates, bytes as
UTF-8 text (undecodable bytes replaced).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from monitor.config.timeparse import iso_z


def to_jsonable(value: Any) -> Any:
    """``json.dumps(..., default=to_jsonable)``."""
    if isinstance(value, datetime):
        return iso_z(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    raise TypeError(f"not JSON serializable: {type(value).__name__}")

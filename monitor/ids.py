"""Identifiers. Run ids sort by creation time (a UUIDv7 layout) so history pages by id."""

from __future__ import annotations

import os
import uuid
from datetime import datetime


def new_id(now: datetime) -> str:
    """A UUIDv7-style id: 48 bits of milliseconds, then random bits; sortable as text."""
    millis = int(now.timestamp() * 1000) & ((1 << 48) - 1)
    rand = int.from_bytes(os.urandom(10), "big")
    value = (millis << 80) | (0x7 << 76) | (rand & ((1 << 76) - 1))
    # set the RFC 4122 variant bits
    value = (value & ~(0x3 << 62)) | (0x2 << 62)
    return str(uuid.UUID(int=value))

"""Console sink: alerts as readable text on stderr (the default sink)."""

from __future__ import annotations

import threading
from typing import TextIO

from monitor.alerts.render import render_text
from monitor.storage.records import OutboxItem


class ConsoleSink:
    name = "console"

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def deliver(self, item: OutboxItem) -> str | None:
        text = render_text(item.payload)
        with self._lock:
            self._stream.write(text + "\n")
            self._stream.flush()
        return None

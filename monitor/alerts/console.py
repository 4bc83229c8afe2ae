"""Console sink: alerts as readable text on stderr (the default sink)."""

from __future__ import annotations

import threading
from typing import TextIO

from monitor.alerts.base import Delivery
from monitor.alerts.render import render_group_text, render_text
from monitor.core.policy.terminal import terminal_safe


class ConsoleSink:
    name = "console"
    groups = True
    pace_interval = 0.0

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def pace_key(self) -> str | None:
        return None

    def close(self) -> None:
        return None

    def deliver(self, delivery: Delivery) -> str | None:
        if delivery.grouped:
            text = render_group_text(delivery.payloads)
        else:
            text = render_text(delivery.lead)
        with self._lock:
            # an upstream's header or message may carry terminal escape sequences
            self._stream.write(terminal_safe(text) + "\n")
            self._stream.flush()
        return None

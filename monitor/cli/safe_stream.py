"""The CLI's output streams, with upstream control characters escaped
(``core.policy.terminal``): one wrapper on stdout and stderr, so no command, log line or
console alert can forget it.

Only the CLI's own outcome colours pass (``tables.OUTCOME_COLOURS``, on a terminal): colour
codes (SGR) cannot move the cursor, clear the screen or set a title, and an upstream that
repeats exactly one of them can only recolour text."""

from __future__ import annotations

import re
from typing import Any, TextIO

from monitor.cli.tables import OUTCOME_COLOURS
from monitor.core.policy.terminal import terminal_safe

OWN_STYLES = re.compile("\x1b\\[(?:" + "|".join(sorted({*OUTCOME_COLOURS.values(), "0"})) + ")m")


class TerminalSafeStream:
    """A text stream that escapes control characters on the way to ``inner``."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(terminal_safe(text, OWN_STYLES))
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:  # flush, fileno, isatty, encoding, ...
        return getattr(self._inner, name)


def safe(stream: TextIO) -> TextIO:
    if isinstance(stream, TerminalSafeStream):
        return stream
    return TerminalSafeStream(stream)  # type: ignore[return-value]

"""The CLI's output streams, with upstream control characters escaped
(``core.policy.terminal``): one wrapper on stdout and stderr, so no command, log line or
console alert can forget it."""

from __future__ import annotations

from typing import Any, TextIO

from monitor.core.policy.terminal import terminal_safe


class TerminalSafeStream:
    """A text stream that escapes control characters on the way to ``inner``."""

    def __init__(self, inner: TextIO) -> None:
        self._inner = inner

    def write(self, text: str) -> int:
        self._inner.write(terminal_safe(text))
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

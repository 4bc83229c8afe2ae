"""Text from upstreams made safe for a terminal.

An upstream controls header values, error messages and bodies, and they reach the console
sink, ``monitor show``, ``history`` and the logs. Printed raw, ``\\x1b]0;PWNED\\x07\\x1b[2J``
retitles the window and clears the screen, and other sequences can rewrite what an operator
reads. Every control character except newline, tab and CR LF (C0, DEL, C1) is written as its
``\\uXXXX`` escape instead: readable, and inside a JSON string the very escape JSON uses, so
``--json`` output stays valid and decodes to the same value.
"""

from __future__ import annotations

import re

# CR LF is a line end (CSV writes it), harmless; a lone CR rewrites the line it is on.
_CONTROL = re.compile("\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def terminal_safe(text: str, keep: re.Pattern[str] | None = None) -> str:
    """``text`` with every control character (but ``\\n``, ``\\t`` and CR LF) escaped; the
    sequences ``keep`` matches (the CLI's own colours) are left whole."""
    if keep is None:
        return _CONTROL.sub(_escape, text)
    out: list[str] = []
    last = 0
    for match in keep.finditer(text):
        out.append(_CONTROL.sub(_escape, text[last : match.start()]))
        out.append(match.group())
        last = match.end()
    out.append(_CONTROL.sub(_escape, text[last:]))
    return "".join(out)

"""Text from upstreams made safe for a terminal.

An upstream controls header values, error messages and bodies, and they reach the console
sink, ``monitor show``, ``history`` and the logs. Printed raw, ``\\x1b]0;PWNED\\x07\\x1b[2J``
retitles the window and clears the screen, and other sequences can rewrite what an operator
reads. Every control character except newline and tab (C0, DEL, C1) is written as its
``\\uXXXX`` escape instead: readable, and inside a JSON string the very escape JSON uses, so
``--json`` output stays valid and decodes to the same value.
"""

from __future__ import annotations

import re

_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")


def terminal_safe(text: str) -> str:
    """``text`` with every control character (but ``\\n`` and ``\\t``) escaped."""
    return _CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)

"""Capped, incremental content decoding: a gzip bomb never expands in memory.

httpx would inflate a body for us, but without a limit; here every piece of raw bytes is
inflated with ``max_length`` so the output never exceeds the cap, whatever the input claims.
"""

from __future__ import annotations

import zlib

IDENTITY = ("", "identity")
GZIP = ("gzip", "x-gzip")


class Inflater:
    """Feed raw pieces; get at most ``cap`` decoded bytes in total, then ``truncated``."""

    def __init__(self, encoding: str | None, cap: int) -> None:
        coding = (encoding or "").strip().lower()
        self._inflater: zlib._Decompress | None
        if coding in IDENTITY:
            self._inflater = None
        elif coding in GZIP or coding == "deflate":
            self._inflater = zlib.decompressobj(
                16 + zlib.MAX_WBITS if coding in GZIP else zlib.MAX_WBITS
            )
        else:
            raise ValueError(f"unsupported content-encoding {coding!r}")
        self.cap = cap
        self.size = 0
        self.truncated = False

    def feed(self, raw: bytes) -> bytes:
        """Decoded bytes for ``raw``; ValueError when the bytes are not what they claim."""
        if self.truncated:
            return b""
        room = self.cap - self.size
        if self._inflater is None:
            out = raw
        else:
            try:
                out = self._inflater.decompress(raw, room + 1)
            except zlib.error as exc:
                raise ValueError(f"undecodable compressed body: {exc}") from None
            if self._inflater.unconsumed_tail:
                self.truncated = True
        if len(out) > room:
            out = out[:room]
            self.truncated = True
        self.size += len(out)
        return out


def inflate_capped(raw: bytes, encoding: str | None, cap: int) -> tuple[bytes, bool]:
    """Decode a whole body at once: (at most ``cap`` bytes, whether it was cut)."""
    inflater = Inflater(encoding, cap)
    out = inflater.feed(raw)
    return out, inflater.truncated

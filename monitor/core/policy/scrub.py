"""Masking secrets in text, in every form an upstream or a library can echo them.

An exact-match replace is not enough: httpx quotes an illegal header ``repr``-escaped
(``b'Bearer sk-\\n…'``), a JSON body escapes quotes and backslashes, a URL percent-encodes,
a gateway echoes the ``Authorization`` header base64-encoded (``Basic dXNlcjpzay0…``) or
upper-cased, and a ``Location`` may carry the key cut short. So each secret is expanded into
its raw, JSON-, ``repr``-, HTML- and percent-encoded forms, matched case-insensitively, plus
the base64 of the secret at the three byte alignments it can take inside a longer credential.
For the API key and credential-header values (``prefixed``), any run of 16+ leading
characters of a form is masked too: an echo truncated by a length limit still leaks most of
the key. Values shorter than ``MIN_SECRET_LEN`` are skipped: masking "ab" would mangle the
text and hide nothing.
"""

from __future__ import annotations

import base64
import html
import json
import re
from collections.abc import Iterable, Sequence
from urllib.parse import quote, quote_plus

MASK = "***"
MIN_SECRET_LEN = 6
PREFIX_LEN = 16  # shorter prefixes would mask innocent text; 16 chars of a key are a leak
BASE64_MIN_LEN = 12  # a shorter run of base64 characters turns up by chance in ids and hashes


def text_forms(secret: str) -> set[str]:
    """The ways ``secret`` can appear in text: raw and escaped by the usual encoders."""
    as_json = json.dumps(secret)[1:-1]
    forms = {
        secret,
        as_json,
        as_json.replace("/", "\\/"),  # encoders that escape the solidus
        json.dumps(secret, ensure_ascii=False)[1:-1],
        repr(secret)[1:-1],
        repr(secret.encode("utf-8", "surrogateescape"))[2:-1],  # httpx: b'Bearer …'
        html.escape(secret),
        quote(secret),
        quote(secret, safe=""),
        quote_plus(secret),
    }
    return {f for f in forms if len(f) >= MIN_SECRET_LEN}


def base64_forms(secret: str) -> set[str]:
    """The base64 text ``secret`` becomes inside any longer base64 value (``user:key`` of a
    Basic credential, ``Bearer key``): encoded at each of the 3 byte alignments, without the
    edge characters that also depend on the neighbouring bytes."""
    raw = secret.encode("utf-8", "surrogateescape")
    forms: set[str] = set()
    for pad in range(3):
        for encode in (base64.b64encode, base64.urlsafe_b64encode):
            text = encode(b"\0" * pad + raw).decode("ascii").rstrip("=")
            # only the characters whose 6 bits all come from the secret's bytes
            core = text[(pad * 4 + 2) // 3 : (pad + len(raw)) * 8 // 6]
            if len(core) >= BASE64_MIN_LEN:
                forms.add(core)
    return forms


def _alternation(forms: Iterable[str], flags: int = 0) -> re.Pattern[str] | None:
    ordered = sorted(set(forms), key=len, reverse=True)  # a longer form wins over its part
    return re.compile("|".join(re.escape(f) for f in ordered), flags) if ordered else None


class Scrubber:
    """Built once per run from its secrets; ``text`` masks them in any string."""

    def __init__(self, secrets: Sequence[str | None], prefixed: Sequence[str | None] = ()) -> None:
        values = {s for s in (*secrets, *prefixed) if s and len(s) >= MIN_SECRET_LEN}
        self.active = bool(values)
        self._whole = _alternation((f for v in values for f in text_forms(v)), re.IGNORECASE)
        self._base64 = _alternation(f for v in values for f in base64_forms(v))
        self._by_prefix: dict[str, list[str]] = {}
        for value in {s for s in prefixed if s}:
            for form in text_forms(value):
                if len(form) > PREFIX_LEN:
                    self._by_prefix.setdefault(form[:PREFIX_LEN].lower(), []).append(form)
        self._prefix = _alternation(self._by_prefix, re.IGNORECASE)
        # A regex alternation scans slowly (0.1 s a MiB); a substring search of the folded
        # text first skips the common case, a text holding no secret at all.
        self._needles = tuple(
            {f.casefold() for v in values for f in text_forms(v)}
            | set(self._by_prefix)
            | {f.casefold() for v in values for f in base64_forms(v)}
        )

    def text(self, text: str) -> str:
        if not self.active or not text:
            return text
        folded = text.casefold()
        if not any(needle in folded for needle in self._needles):
            return text
        if self._whole is not None:
            text = self._whole.sub(MASK, text)
        if self._base64 is not None:
            text = self._base64.sub(MASK, text)
        if self._prefix is not None:
            text = self._cut_short(text, self._prefix)
        return text

    def data(self, body: bytes) -> bytes:
        """``body`` scrubbed as text; bytes that are not UTF-8 survive unchanged."""
        if not self.active or not body:
            return body
        return self.text(body.decode("utf-8", "surrogateescape")).encode("utf-8", "surrogateescape")

    def _cut_short(self, text: str, pattern: re.Pattern[str]) -> str:
        """Mask each 16+ character prefix of a form, as far as the text goes on matching it."""
        out: list[str] = []
        last = 0
        position = 0
        while (match := pattern.search(text, position)) is not None:
            start = match.start()
            end = match.end()
            for form in self._by_prefix[match.group().lower()]:
                stop = start + PREFIX_LEN
                while (
                    stop < len(text)
                    and stop - start < len(form)
                    and text[stop].lower() == form[stop - start].lower()
                ):
                    stop += 1
                end = max(end, stop)
            out.append(text[last:start])
            out.append(MASK)
            last = position = end
        out.append(text[last:])
        return "".join(out)


def scrub(text: str, keys: Sequence[str | None], prefixed: Sequence[str | None] = ()) -> str:
    """``text`` with every secret in ``keys`` (and ``prefixed``, cut short too) masked."""
    return Scrubber(keys, prefixed).text(text)

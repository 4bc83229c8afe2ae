"""Scrubbing every form an upstream or a library can echo a secret in, and the checks that
keep a key from ever reaching a header unvalidated (issue #16 item 1)."""

from __future__ import annotations

import base64
import json
from urllib.parse import quote

import httpx
import pytest

from monitor.cli.safe_stream import OWN_STYLES
from monitor.config.secrets import checked_key
from monitor.core.policy.redact import redact_body_text
from monitor.core.policy.scrub import scrub
from monitor.core.policy.terminal import terminal_safe
from monitor.errors import InvalidSecretError, SecretError
from monitor.probes.transport import classify_http_error

KEY = 'sk-"quoted"\\back/slash-0123456789abcdef'
PLAIN = "sk-plain-0123456789abcdefghij"


@pytest.mark.parametrize(
    "echo",
    [
        KEY,
        json.dumps(KEY)[1:-1],
        json.dumps(KEY)[1:-1].replace("/", "\\/"),
        repr(KEY),
        repr(KEY.encode()),
        quote(KEY, safe=""),
        KEY.upper(),
    ],
)
def test_every_escaped_form_of_a_secret_is_masked(echo: str) -> None:
    out = scrub(f"before {echo} after", [KEY])
    assert out.startswith("before ")
    assert out.endswith(" after")
    assert "0123456789" not in out


@pytest.mark.parametrize("prefix", ["", "u:", "us:", "user:", "Bearer ", "Basic x:"])
def test_base64_of_a_credential_holding_the_secret_is_masked_at_every_alignment(
    prefix: str,
) -> None:
    encoded = base64.b64encode(f"{prefix}{PLAIN}".encode()).decode()
    out = scrub(f"Authorization: Basic {encoded}", [PLAIN])
    assert "***" in out
    # what is left: the prefix's own characters, 2 edge characters either side, the mask
    assert len(out) <= len("Authorization: Basic ") + len(prefix) * 4 // 3 + 10


def test_a_multi_line_value_quoted_by_httpx_is_masked_whole() -> None:
    value = "sk-new-0123456789\n# old: sk-old-9876543210"
    message = f"Illegal header value {('Bearer ' + value).encode()!r}"
    assert scrub(message, [value]) == "Illegal header value b'Bearer ***'"


def test_an_echo_cut_short_is_masked_for_credentials_only_from_16_characters() -> None:
    location = f"https://h.example/?k={PLAIN[:-2]}&x=1"
    assert scrub(location, [], [PLAIN]) == "https://h.example/?k=***&x=1"
    assert scrub(location, [PLAIN]) == location  # a URL or body value: whole only
    short = f"?k={PLAIN[:15]}"
    assert scrub(short, [], [PLAIN]) == short  # 15 characters are not a leak of a key


def test_values_too_short_to_be_secrets_are_left_alone() -> None:
    assert scrub("abc abc", ["abc"], ["abc"]) == "abc abc"


@pytest.mark.parametrize(
    ("value", "what"),
    [
        ("sk-new\n# old: sk-old", "a line break"),
        ("sk-123\r\nX-Injected: yes", "a line break"),
        ("sk 123", "a space"),
        ("sk-\x1b123", "a control character (U+001B)"),
        ("sk-é123", "a character outside ASCII"),
    ],
)
def test_a_key_that_is_not_one_line_of_visible_ascii_is_refused_without_its_value(
    value: str, what: str
) -> None:
    with pytest.raises(InvalidSecretError) as caught:
        checked_key(value, "environment variable K")
    assert what in str(caught.value)
    assert "123" not in str(caught.value)


def test_a_key_loses_one_trailing_newline_and_an_empty_one_is_unavailable() -> None:
    assert checked_key("sk-abc\n", "f") == "sk-abc"
    assert checked_key("sk-abc\r\n", "f") == "sk-abc"
    with pytest.raises(SecretError) as caught:
        checked_key("\n", "file k")
    assert not isinstance(caught.value, InvalidSecretError)


def test_text_redaction_withholds_a_body_nested_deeper_than_the_parser_allows() -> None:
    assert redact_body_text(b"[" * 100_000, sse=False).startswith(b"*** (100000 bytes")
    assert redact_body_text(b"data: " + b"[" * 100_000, sse=True) == b"data: ***"


def test_control_characters_are_escaped_and_json_stays_valid() -> None:
    raw = "req\x1b]0;PWNED\x07\x1b[2J \x9b tab\tnew\nline"
    safe = terminal_safe(raw)
    assert safe == "req\\u001b]0;PWNED\\u0007\\u001b[2J \\u009b tab\tnew\nline"
    document = json.dumps({"id": raw}, ensure_ascii=False)
    assert json.loads(terminal_safe(document)) == {"id": raw}


def test_an_invalid_request_header_is_reported_without_quoting_it() -> None:
    error = httpx.LocalProtocolError(f"Illegal header value {b'Bearer ' + PLAIN.encode()!r}")
    failure = classify_http_error(error)
    assert failure.kind == "transport-error"
    assert "header value is not valid HTTP" in failure.message
    assert PLAIN not in failure.message
    assert not failure.retryable


def test_the_clis_own_colours_and_crlf_pass_but_nothing_else_does() -> None:
    line = "\x1b[32mpass\x1b[0m req\x1b]0;PWNED\x07\x1b[2J a,b\r\nlone\rcr"
    assert terminal_safe(line, OWN_STYLES) == (
        "\x1b[32mpass\x1b[0m req\\u001b]0;PWNED\\u0007\\u001b[2J a,b\r\nlone\\u000dcr"
    )

"""Hostile documents (issue #16): a contract URL answering a gzip bomb, a trickle or a redirect
to another origin (real local servers), and YAML alias bombs or an oversized file in the
config and in a contract."""

from __future__ import annotations

import gzip
import threading
import time
import tracemalloc
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from monitor.config.loader import MAX_CONFIG_BYTES, load_config, parse_config
from monitor.contract import ContractError
from monitor.contract.document import read_document
from monitor.contract.fetch import fetch_url
from monitor.errors import ConfigError

NOW = datetime(2026, 5, 9, tzinfo=UTC)
DOC = b'openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths: {}\n'
BOMB = gzip.compress(b"\0" * (64 * 1024 * 1024), compresslevel=9)  # 64 KB -> 64 MB


class Hostile(BaseHTTPRequestHandler):
    requests: list[str]
    other: str = ""

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self.requests.append(self.path)
        if self.path == "/bomb":
            self._send(200, BOMB, {"Content-Encoding": "gzip"})
        elif self.path == "/trickle":
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(1000):
                try:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                except OSError:
                    return
                time.sleep(0.2)
        elif self.path == "/elsewhere":
            self._send(307, b"", {"Location": f"{self.other}/doc.yaml"})
        elif self.path == "/moved":
            self._send(301, b"", {"Location": "/doc.yaml"})
        else:
            self._send(200, DOC, {"Content-Type": "application/yaml"})

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(requests: list[str], other: str = "") -> Iterator[str]:
    handler = type("H", (Hostile,), {"requests": requests, "other": other})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def elsewhere() -> Iterator[tuple[str, list[str]]]:
    seen: list[str] = []
    for url in _serve(seen):
        yield url, seen


@pytest.fixture
def hostile(elsewhere: tuple[str, list[str]]) -> Iterator[str]:
    yield from _serve([], elsewhere[0])


def test_a_gzip_bomb_is_refused_without_inflating_it_in_memory(hostile: str) -> None:
    tracemalloc.start()
    try:
        with pytest.raises(ContractError, match="once decompressed"):
            read_document(f"{hostile}/bomb", now=NOW)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 40 * 1024 * 1024  # the 16 MB cap, not the 64 MB the bomb holds


def test_a_trickling_server_is_cut_at_the_deadline(hostile: str) -> None:
    started = time.monotonic()
    with pytest.raises(ValueError, match="not fetched within 1s"):
        fetch_url(f"{hostile}/trickle", deadline_s=1.0)
    assert time.monotonic() - started < 3


def test_a_redirect_to_another_origin_is_not_followed(
    hostile: str, elsewhere: tuple[str, list[str]]
) -> None:
    with pytest.raises(ContractError, match="redirected to another origin"):
        read_document(f"{hostile}/elsewhere", now=NOW)
    assert elsewhere[1] == []  # the other port never heard from us
    same_origin = read_document(f"{hostile}/moved", now=NOW)
    assert same_origin.openapi == "3.1"


def _laughs(levels: int, indent: str = "") -> str:
    lines = [f'{indent}l0: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels + 1):
        refs = ", ".join([f"*l{n - 1}"] * 9)
        lines.append(f"{indent}l{n}: &l{n} [{refs}]")
    return "\n".join(lines) + "\n"


def test_a_billion_laughs_contract_is_a_located_error_in_a_moment(tmp_path: Path) -> None:
    doc = tmp_path / "bomb.yaml"
    doc.write_text(
        'openapi: 3.1.0\ninfo: {title: t, version: "1"}\npaths: {}\nx-laughs:\n' + _laughs(8, "  ")
    )
    assert doc.stat().st_size < 1024
    started = time.monotonic()
    with pytest.raises(ContractError) as caught:
        read_document(str(doc), now=NOW)
    assert time.monotonic() - started < 2
    assert caught.value.line is not None
    assert "aliases expand to more than" in str(caught.value)


def test_a_billion_laughs_config_is_a_located_error_in_a_moment() -> None:
    text = "x-anchors: &top\n" + _laughs(8, "  ") + "environment: test\n"
    started = time.monotonic()
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "config.yaml", {})
    assert time.monotonic() - started < 2
    (issue,) = caught.value.issues
    assert issue.line is not None
    assert "aliases expand to more than 10000 nodes" in issue.message


def test_ordinary_anchors_in_a_config_still_load() -> None:
    text = (
        "targets:\n"
        "  a: {base_url: 'https://a.example', headers: &h {x-team: platform}}\n"
        "  b: {base_url: 'https://b.example', headers: *h}\n"
    )
    loaded = parse_config(text, "config.yaml", {})
    assert loaded.config.targets["b"].headers == {"x-team": "platform"}


def test_an_oversized_config_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = tmp_path / "big.yaml"
    path.write_text("environment: test\n" + "# padding\n" * (MAX_CONFIG_BYTES // 10 + 1))
    started = time.monotonic()
    with pytest.raises(ConfigError, match="larger than 1048576 bytes"):
        load_config(path, {})
    assert time.monotonic() - started < 1

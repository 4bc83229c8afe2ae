"""Every way a target can misbehave becomes a classified finding on a ``fail`` run, in bounded
time and memory, through the real client (``monitor check``) against the real simulator."""

from __future__ import annotations

import json
import time
import tracemalloc
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from monitor.simulator import Simulator
from tests.conftest import SIM_KEY, chat_probe_config, stream_probe_config, write_config

FAST = """
timeout: 1500ms
retries: {attempts: 2, backoff: 10ms, max_backoff: 20ms}
"""
STREAM = (
    FAST
    + """
kind: chat_completion_stream
"""
)


def check(cli: Any, tmp_path: Path, base_url: str, db_url: str, extra: str) -> dict[str, Any]:
    config = write_config(tmp_path, chat_probe_config(base_url, db_url, extra=extra))
    began = time.monotonic()
    result = cli("check", "--config", str(config), "--json", env={"SIM_API_KEY": SIM_KEY})
    elapsed = time.monotonic() - began
    assert result.code == 1, result.err
    assert elapsed < 12, f"took {elapsed:.1f}s"
    (run,) = [json.loads(line) for line in result.out.splitlines()]
    assert run["outcome"] == "fail"
    assert run["error"]
    return run


CASES = [
    # scenario, probe extra, finding kind, category, verdict
    ("error-in-200", FAST, "error-in-200", "response_parser_mismatch", "vendor_question"),
    ("html-200", FAST, "media-type-changed", "response_parser_mismatch", "vendor_question"),
    ("html-502", FAST, "status-changed", "unknown_external_behavior", "vendor_question"),
    ("truncated-json", FAST, "body-unparseable", "response_parser_mismatch", "vendor_question"),
    ("invalid-utf8", FAST, "body-unparseable", "response_parser_mismatch", "vendor_question"),
    ("nan", FAST, "body-unparseable", "response_parser_mismatch", "vendor_question"),
    ("huge-body", FAST, "body-truncated", "response_parser_mismatch", "vendor_question"),
    ("gzip-bomb", FAST, "body-truncated", "response_parser_mismatch", "vendor_question"),
    ("trickle", FAST, "timeout", "timeout_retry_mismatch", "vendor_question"),
    ("headers-never", FAST, "timeout", "timeout_retry_mismatch", "vendor_question"),
    (
        "stream-no-done",
        STREAM,
        "sse-terminator-missing",
        "response_parser_mismatch",
        "vendor_question",
    ),
    ("stream-endless", STREAM, "timeout", "timeout_retry_mismatch", "vendor_question"),
    (
        "stream-error-event",
        STREAM,
        "sse-error-event",
        "response_parser_mismatch",
        "vendor_question",
    ),
    ("redirect-other-host", FAST, "redirected", "endpoint_mismatch", "client_bug"),
    ("rate-limit-long", FAST, "status-changed", "timeout_retry_mismatch", "vendor_question"),
    ("server-error", FAST, "status-changed", "unknown_external_behavior", "vendor_question"),
]


@pytest.mark.parametrize(
    ("scenario", "extra", "kind", "category", "verdict"), CASES, ids=[c[0] for c in CASES]
)
def test_misbehaving_target_is_a_classified_failed_run(
    cli: Any,
    sim: Simulator,
    sim_url: str,
    tmp_path: Path,
    sqlite_url: str,
    scenario: str,
    extra: str,
    kind: str,
    category: str,
    verdict: str,
) -> None:
    sim.set_scenario(scenario)
    run = check(cli, tmp_path, sim_url, sqlite_url, extra)
    assert run["findings"][0]["kind"] == kind
    assert (run["category"], run["verdict"]) == (category, verdict)


def test_server_errors_are_retried_and_every_attempt_is_counted(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    sim.set_scenario("server-error")
    run = check(cli, tmp_path, sim_url, sqlite_url, FAST)
    assert run["attempts"] == 2
    assert run["status_code"] == 500
    assert len(sim.requests) == 2


def test_a_long_retry_after_is_not_waited_for_nor_retried(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    sim.set_scenario("rate-limit-long")
    run = check(cli, tmp_path, sim_url, sqlite_url, FAST)
    assert (run["status_code"], run["attempts"]) == (429, 1)


def test_a_redirect_is_never_followed(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    sim.set_scenario("redirect-other-host")
    run = check(cli, tmp_path, sim_url, sqlite_url, FAST)
    assert run["status_code"] == 301
    assert "127.0.0.2" in run["findings"][0]["message"]
    assert len(sim.requests) == 1


@pytest.mark.parametrize("scenario", ["huge-body", "gzip-bomb"])
def test_huge_and_bombed_bodies_stay_within_bounded_memory(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str, scenario: str
) -> None:
    sim.set_scenario(scenario)
    tracemalloc.start()
    try:
        run = check(cli, tmp_path, sim_url, sqlite_url, FAST)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert run["findings"][0]["kind"] == "body-truncated"
    assert peak < 24 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


def test_connection_refused_is_an_endpoint_failure(
    cli: Any, tmp_path: Path, sqlite_url: str
) -> None:
    run = check(cli, tmp_path, "http://127.0.0.1:9", sqlite_url, FAST)
    assert run["findings"][0]["kind"] == "connect-refused"
    assert run["category"] == "endpoint_mismatch"


def test_an_unresolvable_host_is_a_dns_failure(cli: Any, tmp_path: Path, sqlite_url: str) -> None:
    run = check(cli, tmp_path, "http://contract-monitor-probe.invalid", sqlite_url, FAST)
    assert run["findings"][0]["kind"] == "dns-failure"
    assert run["category"] == "endpoint_mismatch"


@pytest.fixture(scope="module")
def tls_sim_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The simulator behind a certificate from a CA the client does not trust."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.cert_chain_pems[0].write_to_path(str(folder / "cert.pem"))
    cert.private_key_pem.write_to_path(str(folder / "key.pem"))
    sim = Simulator(api_key=SIM_KEY)
    with sim.serve(port=0, tls=(folder / "cert.pem", folder / "key.pem")) as url:
        yield url


def test_a_certificate_from_an_untrusted_ca_is_a_tls_failure(
    cli: Any, tmp_path: Path, sqlite_url: str, tls_sim_url: str
) -> None:
    run = check(cli, tmp_path, tls_sim_url, sqlite_url, FAST)
    assert run["findings"][0]["kind"] == "tls-error"
    assert run["category"] == "endpoint_mismatch"
    assert run["attempts"] == 1  # a TLS failure is not retried


def test_the_body_cap_is_the_targets_max_body(
    cli: Any, sim: Simulator, sim_url: str, tmp_path: Path, sqlite_url: str
) -> None:
    text = stream_probe_config(sim_url, sqlite_url).replace(
        "api_key_env: SIM_API_KEY", "api_key_env: SIM_API_KEY\n    max_body: 1024"
    )
    config = write_config(tmp_path, text)
    result = cli("check", "--config", str(config), "--json", env={"SIM_API_KEY": SIM_KEY})
    (run,) = [json.loads(line) for line in result.out.splitlines()]
    assert run["outcome"] == "fail"  # a healthy ~3 KB stream, over a 1 KiB cap
    assert [f["kind"] for f in run["findings"]] == ["body-truncated"]
    roomy = write_config(tmp_path, text.replace("max_body: 1024", "max_body: 65536"), "roomy.yaml")
    result = cli("check", "--config", str(roomy), "--json", env={"SIM_API_KEY": SIM_KEY})
    assert json.loads(result.out)["outcome"] == "pass"

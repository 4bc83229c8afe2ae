"""Speed of the contract engine, each figure beside a baseline measured in the same run.

    .venv/bin/python bench/engine_speed.py [--repeat N]

- infer + diff of a typical chat body (JSON parsing excluded, and reported beside it);
- the same on a ~1 MB body (long arrays are sampled by the shape walker);
- contract validation of a typical body with the shipped contract's precompiled validator
  (plus the undocumented-member walk and the request check), beside a plain ``jsonschema``
  validation of the same body against the same resolved schema;
- the request check alone (undocumented fields and the documented request schema), the part of
  the contract check a body over the validation cap still pays.

Targets (issue 3): infer + diff <= 100 us median; 1 MB <= 20 ms; contract <= 1 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jsonschema import Draft4Validator

from monitor.contract import load_contract
from monitor.contract.resolve import dereference
from monitor.core.documented import Exchange
from monitor.core.shape.body import parse_json_body
from monitor.core.shape.diff import diff_shapes
from monitor.core.shape.stats import infer_shape, merge_shapes

ROOT = Path(__file__).resolve().parents[1]
TYPICAL = ROOT / "tests" / "fixtures" / "openai" / "ok-gpt-4.1-nano-raw-pretty.json"
CONTRACT = ROOT / "config" / "contracts" / "openai-chat-completions.yaml"
HEADERS = {"content-type": "application/json", "x-request-id": "req_1", "openai-version": "x"}


def measure(fn: Callable[[], Any], repeat: int) -> tuple[float, float]:
    """Median and p95 in microseconds (after a warm-up)."""
    for _ in range(min(50, repeat)):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter_ns()
        fn()
        samples.append((time.perf_counter_ns() - start) / 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def big_body(typical: dict[str, Any], size: int = 1_000_000) -> dict[str, Any]:
    """A chat body grown to about ``size`` bytes with logprobs, as `logprobs: true` returns."""
    body = json.loads(json.dumps(typical))
    token = {
        "token": " tok",
        "logprob": -0.0123,
        "bytes": [32, 116, 111, 107],
        "top_logprobs": [{"token": " tok", "logprob": -0.0123, "bytes": [32, 116, 111, 107]}],
    }
    one = len(json.dumps(token)) + 2
    body["choices"][0]["logprobs"] = {"content": [token] * (size // one), "refusal": None}
    return body


def machine() -> str:
    model = ""
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=False).stdout
        model = next(
            (ln.split(":", 1)[1].strip() for ln in out.splitlines() if "Model name" in ln), ""
        )
    except OSError:
        pass
    cpu = model or platform.processor()
    return f"nproc={os.cpu_count()}, {cpu}, Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=2000)
    args = parser.parse_args()
    repeat = args.repeat

    raw = TYPICAL.read_bytes()
    typical = json.loads(raw)
    baseline = infer_shape(typical, headers=HEADERS)
    for _ in range(4):
        baseline = merge_shapes(baseline, infer_shape(typical, headers=HEADERS))

    big = big_body(typical)
    big_raw = json.dumps(big).encode()
    big_baseline = infer_shape(big, headers=HEADERS)

    contract = load_contract(str(CONTRACT), now=datetime.now(UTC))
    schema = dereference(contract.document.spec)["components"]["schemas"][
        "CreateChatCompletionResponse"
    ]
    plain = Draft4Validator(schema)
    request = {"model": "gpt-4.1-nano", "messages": [{"role": "user", "content": "x"}]}

    def exchange(document: Any, size: int) -> Exchange:
        return Exchange(
            "POST",
            "https://api.example/v1/chat/completions",
            request,
            200,
            "application/json",
            HEADERS,
            document,
            infer_shape(document, headers=HEADERS),
            size,
        )

    typical_exchange = exchange(typical, len(raw))
    assert contract.check(typical_exchange).findings == ()
    assert contract.check_request("POST", typical_exchange.url, request) == []
    assert diff_shapes(baseline, infer_shape(typical, headers=HEADERS)) == []

    big_exchange = exchange(big, len(big_raw))
    rows = [
        (f"json.loads, typical body ({len(raw)} B)", measure(lambda: json.loads(raw), repeat)),
        (
            "strict parse_json_body, typical",
            measure(lambda: parse_json_body(raw), repeat),
        ),
        (
            "infer + diff, typical (target <= 100 us)",
            measure(lambda: diff_shapes(baseline, infer_shape(typical, headers=HEADERS)), repeat),
        ),
        (
            f"json.loads, 1 MB body ({len(big_raw)} B)",
            measure(lambda: json.loads(big_raw), max(20, repeat // 50)),
        ),
        (
            "infer + diff, 1 MB body (target <= 20 ms)",
            measure(
                lambda: diff_shapes(big_baseline, infer_shape(big, headers=HEADERS)),
                max(20, repeat // 50),
            ),
        ),
        (
            "contract check, typical (target <= 1 ms)",
            measure(lambda: contract.check(typical_exchange), repeat),
        ),
        (
            "contract check, 1 MB body (over the 512 KiB cap: no schema)",
            measure(lambda: contract.check(big_exchange), max(20, repeat // 50)),
        ),
        (
            "request check alone (fields + request schema), typical",
            measure(lambda: contract.check_request("POST", typical_exchange.url, request), repeat),
        ),
        (
            "plain jsonschema Draft4 iter_errors, typical",
            measure(lambda: list(plain.iter_errors(typical)), repeat),
        ),
        (
            "plain jsonschema Draft4 iter_errors, 1 MB body",
            measure(lambda: list(plain.iter_errors(big)), max(20, repeat // 50)),
        ),
    ]
    print(f"machine: {machine()}")
    print(f"{'measurement':56} {'median':>12} {'p95':>12}")
    for name, (median, p95) in rows:
        print(f"{name:56} {median:10.1f}us {p95:10.1f}us")


if __name__ == "__main__":
    main()

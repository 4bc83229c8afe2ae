"""Rolling upgrades: a spool file the previous release wrote (``tests/fixtures/upgrade/``, see
its PROVENANCE.md) is read by this release and recorded, once, like any spooled run."""

from __future__ import annotations

import asyncio
import io
import json
import shutil
from pathlib import Path

from monitor.app import build_app
from monitor.config.loader import parse_config
from monitor.runner.prepared import prepare_probe
from monitor.runner.spool import decode_claim, decode_completion, encode_completion
from tests.conftest import SIM_KEY, chat_probe_config

SPOOLED = Path(__file__).parents[1] / "fixtures" / "upgrade" / "spool_claimed_slow_answer.json"


def _config(db_url: str, spool: Path) -> str:
    text = chat_probe_config("http://127.0.0.1:9", db_url)
    return text.replace(
        f'storage: {{url: "{db_url}"}}', f'storage: {{url: "{db_url}", spool_dir: "{spool}"}}'
    )


def test_an_old_spool_file_decodes_to_the_same_record_it_was_written_from() -> None:
    data = json.loads(SPOOLED.read_text())
    loaded = parse_config(_config("sqlite://", Path("/nonexistent")), "c.yaml", {})
    spec = prepare_probe(loaded.config.probes[0], loaded.config, {}).spec
    completion = decode_completion(data, spec)
    assert completion.claim.run_id == data["claim"]["run_id"]
    assert completion.observation.status_code == 200
    assert b"Water boils" in completion.observation.body
    assert completion.probe_info["owner"] == "platform-team"
    # what this release would spool of it is what the previous one wrote, plus the fields
    # added since (at their defaults: the previous release knew nothing of them)
    rewritten = json.loads(json.dumps(encode_completion(completion, claimed=data["claimed"])))
    added = rewritten["observation"].keys() - data["observation"].keys()
    assert {k: rewritten["observation"].pop(k) for k in added} == dict.fromkeys(added)
    assert rewritten == data


def test_an_old_spool_file_is_replayed_into_the_database_once(tmp_path: Path, db_url: str) -> None:
    spool = tmp_path / "spool"
    spool.mkdir()
    shutil.copy(SPOOLED, spool / SPOOLED.name)
    data = json.loads(SPOOLED.read_text())
    claim = decode_claim(data["claim"])
    loaded = parse_config(_config(db_url, spool), "upgrade.yaml", {"SIM_API_KEY": SIM_KEY})

    async def replay() -> tuple[int, int]:
        app = build_app(loaded, env={"SIM_API_KEY": SIM_KEY}, stderr=io.StringIO())
        try:
            # the replica that spooled it had claimed the slot before the database went away
            assert await app.db.run(app.store.claim_run, claim)
            first = await app.pipeline.replay_spool()
            again = await app.pipeline.replay_spool()
            return first, again
        finally:
            await app.aclose()

    assert asyncio.run(replay()) == (1, 0)
    assert not list(spool.glob("*.json"))
    reopened = build_app(loaded, env={"SIM_API_KEY": SIM_KEY}, stderr=io.StringIO())
    try:
        stored = reopened.store.get_run(claim.run_id)
    finally:
        asyncio.run(reopened.aclose())
    assert stored is not None
    assert stored["state"] == "completed"
    assert stored["outcome"] == "pass"
    assert stored["trace_id"] == data["trace_id"]
    assert stored["request_id"] == data["request_id"]

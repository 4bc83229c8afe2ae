"""``contract: builtin:openai-chat-completions`` names the contract shipped inside the package,
so it works from any directory and from an installed wheel; the old path keeps working."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.config.loader import parse_config
from monitor.contract import ContractError, load_contracts, read_document
from monitor.contract.document import builtin_contracts

ROOT = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 1, tzinfo=UTC)
CONFIG = """
targets:
  provider:
    base_url: https://llm.example.com
    api_key_env: KEY
    contract: builtin:openai-chat-completions
"""


def test_the_builtin_contract_is_the_shipped_document_byte_for_byte() -> None:
    shipped = ROOT / "config" / "contracts" / "openai-chat-completions.yaml"
    packaged = ROOT / "monitor" / "contract" / "builtin" / "openai-chat-completions.yaml"
    assert packaged.read_bytes() == shipped.read_bytes()  # the old path keeps working
    builtin = read_document("builtin:openai-chat-completions", now=NOW)
    by_path = read_document(str(shipped), now=NOW)
    assert builtin.sha256 == by_path.sha256
    assert builtin.source == "builtin:openai-chat-completions"
    assert builtin_contracts() == ["openai-chat-completions"]


def test_a_builtin_contract_does_not_depend_on_the_config_folder_or_the_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = tmp_path / "etc" / "monitor"
    elsewhere.mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    loaded = parse_config(CONFIG, str(elsewhere / "config.yaml"), {"KEY": "k"})
    (contract,) = load_contracts(loaded, NOW).values()
    assert contract.reference()["source"] == "builtin:openai-chat-completions"
    assert os.getcwd() == str(tmp_path)


def test_an_unknown_builtin_contract_names_the_known_ones() -> None:
    with pytest.raises(ContractError, match="known: builtin:openai-chat-completions"):
        read_document("builtin:anthropic-messages", now=NOW)

"""Golden tests: every kind of config rejection names file, line and key path exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import parse_config
from monitor.errors import ConfigError

GOOD = """\
environment: test
targets:
  cometapi:
    base_url: "https://api.cometapi.com"
    api_key_env: COMETAPI_API_KEY
probes:
  - name: chat-basic
    target: cometapi
    every: 60s
    model: gpt-4o-mini
    messages: [{role: user, content: "contract_probe redacted"}]
    params: {temperature: 0, max_tokens: 32}
"""


def _errors(text: str, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "config.yaml", env if env is not None else {"COMETAPI_API_KEY": "k"})
    return [str(issue) for issue in caught.value.issues]


def test_a_good_config_loads_with_defaults_filled_in() -> None:
    loaded = parse_config(GOOD, "config.yaml", {"COMETAPI_API_KEY": "k"})
    probe = loaded.config.probes[0]
    assert probe.baseline.learn_runs == 5
    assert probe.events.open_after == 2
    assert probe.timeout.total_seconds() == 30
    assert loaded.config.storage.url == "sqlite:///monitor.db"
    assert len(loaded.sha256) == 64


def test_unknown_key_names_line_key_and_valid_keys() -> None:
    text = GOOD.replace("    every: 60s\n", "    every: 60s\n    evrey: 5s\n")
    (error,) = _errors(text)
    assert error.startswith(
        "config.yaml:10: probes[0].evrey: unknown key; did you mean `every`?; valid keys: assumes,"
    )


def test_an_unknown_key_far_from_any_valid_one_only_lists_them() -> None:
    text = GOOD.replace("    every: 60s\n", "    every: 60s\n    zzz: 5s\n")
    (error,) = _errors(text)
    assert error.startswith("config.yaml:10: probes[0].zzz: unknown key; valid keys: assumes,")


def test_an_api_key_in_a_target_says_to_name_a_variable_or_a_file() -> None:
    text = GOOD.replace("    api_key_env: COMETAPI_API_KEY\n", "    api_key: sk-live-1234\n")
    (error,) = _errors(text)
    assert error.startswith("config.yaml:")
    assert "targets.cometapi.api_key: unknown key: the API key is never written" in error
    assert "`api_key_env`" in error
    assert "`api_key_file`" in error
    assert "sk-live-1234" not in error


def test_bad_duration_is_located() -> None:
    (error,) = _errors(GOOD.replace("every: 60s", "every: 5 minutes"))
    assert error == (
        "config.yaml:9: probes[0].every: invalid duration '5 minutes': "
        "use a number with a unit, e.g. 500ms, 30s, 5m, 2h, 7d, 1h30m"
    )


def test_missing_target_is_located() -> None:
    (error,) = _errors(GOOD.replace("target: cometapi", "target: comet"))
    assert error == "config.yaml:8: probes[0].target: unknown target 'comet' (targets: cometapi)"


def test_duplicate_probe_names_are_rejected() -> None:
    probe = GOOD.split("probes:\n", 1)[1]
    (error,) = _errors(GOOD + probe)
    assert error == (
        "config.yaml:13: probes[1].name: duplicate probe name 'chat-basic' (first at probes[0])"
    )


def test_placeholder_model_from_the_seed_is_rejected() -> None:
    (error,) = _errors(GOOD.replace("gpt-4o-mini", "REPLACE_WITH_APPROVED_MODEL"))
    assert error == (
        "config.yaml:10: probes[0].model: 'REPLACE_WITH_APPROVED_MODEL' is a placeholder: "
        "set a model approved for your account"
    )


def test_missing_required_key_points_at_its_parent() -> None:
    (error,) = _errors(GOOD.replace('    base_url: "https://api.cometapi.com"\n', ""))
    assert error == "config.yaml:3: targets.cometapi.base_url: required key is missing"


def test_duplicate_yaml_keys_are_an_error_not_silently_merged() -> None:
    (error,) = _errors(GOOD.replace("    every: 60s\n", "    every: 60s\n    every: 30s\n"))
    assert error == (
        "config.yaml:10: probes[0].every: "
        "duplicate key (YAML would silently keep only the last one)"
    )


def test_invalid_yaml_reports_its_line() -> None:
    (error,) = _errors(GOOD.replace("every: 60s", "every: [60s"))
    assert error.startswith("config.yaml:10: invalid YAML:")


def test_unset_env_reference_is_an_error_located_at_the_string() -> None:
    text = GOOD.replace('"https://api.cometapi.com"', '"${COMET_URL}"')
    (error,) = _errors(text)
    assert error == (
        "config.yaml:4: targets.cometapi.base_url: environment variable COMET_URL is not set "
        "(write ${COMET_URL:-default} for a default)"
    )


def test_env_references_expand_with_defaults() -> None:
    text = GOOD.replace('"https://api.cometapi.com"', '"${COMET_URL:-https://x.example}"')
    loaded = parse_config(text, "config.yaml", {"COMETAPI_API_KEY": "k"})
    assert loaded.config.targets["cometapi"].base_url == "https://x.example"


def test_unset_secret_is_a_warning_for_config_check_and_an_error_at_run_time() -> None:
    loaded = parse_config(GOOD, "config.yaml", {})
    (warning,) = loaded.warnings
    assert str(warning) == (
        "config.yaml:5: targets.cometapi.api_key_env: "
        "warning: environment variable COMETAPI_API_KEY is not set"
    )
    with pytest.raises(ConfigError):
        parse_config(GOOD, "config.yaml", {}, secrets_required=True)


def test_generation_probes_require_max_tokens() -> None:
    (error,) = _errors(GOOD.replace("temperature: 0, max_tokens: 32", "temperature: 0"))
    assert error.startswith(
        "config.yaml:12: probes[0].params: max_tokens (or max_completion_tokens)"
    )


def test_every_and_cron_together_are_rejected_and_bad_cron_is_located() -> None:
    (error,) = _errors(GOOD.replace("every: 60s", "every: 60s\n    cron: '*/5 * * * *'"))
    assert error == "config.yaml:10: probes[0].cron: set either every or cron, not both"
    errors = _errors(GOOD.replace("every: 60s", "cron: 'every minute'"))
    assert errors[0].startswith("config.yaml:9: probes[0].cron: invalid cron expression")


def test_shipped_configs_are_valid(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    for name in ("example.yaml", "cometapi.yaml"):
        text = (root / "config" / name).read_text()
        loaded = parse_config(text, name, {})
        assert loaded.config.probes


def test_the_packaged_demo_config_is_the_shipped_example() -> None:
    root = Path(__file__).resolve().parents[2]
    assert (root / "monitor" / "example.yaml").read_bytes() == (
        root / "config" / "example.yaml"
    ).read_bytes()


def test_a_recursive_yaml_alias_is_a_located_error_not_a_crash() -> None:
    (error,) = _errors(GOOD + "extra: &x [*x]\n")
    assert error == "config.yaml:13: extra[0]: recursive YAML alias"


def test_absurd_durations_are_located_errors_not_crashes() -> None:
    (error,) = _errors(GOOD.replace("every: 60s", "every: 100000000000d"))
    assert error == "config.yaml:9: probes[0].every: invalid duration '100000000000d': too long"


def test_route_typos_are_located_errors_not_silently_unrouted_alerts() -> None:
    text = GOOD + (
        "routes:\n  - match: {category: [bogus_category], probe: [nope]}\n    sinks: [console]\n"
    )
    errors = _errors(text)
    assert errors[0].startswith(
        "config.yaml:14: routes[0].match.category[0]: unknown category 'bogus_category' "
        "(categories: auth_mismatch,"
    )
    assert errors[1] == (
        "config.yaml:14: routes[0].match.probe[0]: unknown probe 'nope' "
        "(probes: @monitor, chat-basic)"
    )


def test_the_monitors_own_alerts_can_be_routed_by_name() -> None:
    text = GOOD + (
        "routes:\n  - match: {category: [monitor_health], probe: ['@monitor']}\n"
        "    sinks: [console]\n"
    )
    assert parse_config(text, "config.yaml", {"COMETAPI_API_KEY": "k"}).config.routes


def test_api_listen_is_checked_like_the_server_checks_it() -> None:
    (error,) = _errors(GOOD + "api: {listen: garbage}\n")
    assert error == (
        "config.yaml:13: api.listen: invalid listen address 'garbage': "
        "use host:port, e.g. 127.0.0.1:8080"
    )
    (error,) = _errors(GOOD + 'api: {listen: "127.0.0.1:99999"}\n')
    assert "invalid listen address '127.0.0.1:99999'" in error
    loaded = parse_config(
        GOOD + 'api: {listen: "0.0.0.0:8080"}\n', "config.yaml", {"COMETAPI_API_KEY": "k"}
    )
    (warning,) = loaded.warnings
    assert "refusing to serve the API on non-loopback address 0.0.0.0:8080 without a token" in str(
        warning
    )
    with pytest.raises(ConfigError):
        parse_config(
            GOOD + 'api: {listen: "0.0.0.0:8080"}\n',
            "config.yaml",
            {"COMETAPI_API_KEY": "k"},
            secrets_required=True,
        )


def test_durations_longer_than_a_century_are_located_errors() -> None:
    # 3000000d parses, but a retention cut-off or a lease that far off overflows datetime.
    (error,) = _errors(GOOD.replace("every: 60s", "every: 60s\n    timeout: 3000000d"))
    assert error == (
        "config.yaml:10: probes[0].timeout: invalid duration '3000000d': "
        "too long (at most 36500d, 100 years)"
    )


@pytest.mark.parametrize("value", ["null", "lots", "-5", "0", "[1]", "1.5", "true"])
def test_max_tokens_must_be_a_positive_whole_number(value: str) -> None:
    (error,) = _errors(GOOD.replace("max_tokens: 32", f"max_tokens: {value}"))
    assert error.startswith("config.yaml:12: probes[0].params.max_tokens: must be a whole number")


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("mysql://u:secret@db/x", "mysql://"),
        ("postgresql+psycopg2://u:secret@db/x", "postgresql+psycopg2://"),
        ("monitor.db", "no scheme"),
    ],
)
def test_storage_url_names_what_is_accepted_and_never_the_password(url: str, shown: str) -> None:
    (error,) = _errors(GOOD + f'storage: {{url: "{url}"}}\n')
    assert error.startswith(f"config.yaml:13: storage.url: unsupported database URL ({shown})")
    assert "postgresql+psycopg://USER@HOST:PORT/DATABASE" in error
    assert "secret" not in error


def test_postgres_urls_as_hosting_providers_write_them_are_read_as_psycopg() -> None:
    from monitor.config.dburl import normalize_database_url

    for alias in ("postgres://", "postgresql://"):
        assert normalize_database_url(f"{alias}u@h:5432/d") == "postgresql+psycopg://u@h:5432/d"
    assert normalize_database_url("sqlite:///x.db") == "sqlite:///x.db"


def test_an_event_gate_that_can_never_open_is_rejected() -> None:
    (error,) = _errors(GOOD + "    events: {open_after: 5, window: 3}\n")
    assert error.startswith("config.yaml:13: probes[0].events.open_after: 5 failing runs can never")


def test_unquoted_yaml_dates_are_accepted_where_dates_are_expected() -> None:
    text = GOOD + (
        "    overrides:\n"
        "      ignore: [{kind: property-added, reason: vendor ticket 12, until: 2027-01-01}]\n"
        "maintenance:\n"
        "  - {start: 2026-12-01T22:00:00Z, end: 2026-12-01T23:00:00Z, reason: upgrade}\n"
    )
    loaded = parse_config(text, "config.yaml", {"COMETAPI_API_KEY": "k"})
    assert loaded.config.probes[0].overrides.ignore[0].until == "2027-01-01"
    assert loaded.config.maintenance[0].start.startswith("2026-12-01T22:00:00")


def test_an_ignore_rule_for_a_kind_that_does_not_exist_is_rejected() -> None:
    text = GOOD + "    overrides:\n      ignore: [{kind: property-removd, reason: typo}]\n"
    (error,) = _errors(text)
    assert error == (
        "config.yaml:14: probes[0].overrides.ignore[0].kind: unknown finding kind "
        "'property-removd' (did you mean 'property-removed'?)"
    )


def test_a_route_with_no_sinks_is_rejected() -> None:
    (error,) = _errors(GOOD + "routes:\n  - match: {severity: [breaking]}\n    sinks: []\n")
    assert error.startswith("config.yaml:15: routes[0].sinks: ")
    assert "at least 1 item" in error


@pytest.mark.parametrize(
    ("setting", "key", "words"),
    [
        ("method: 'GE T'", "probes[1].method", "String should match pattern"),
        ("headers: {'bad header': x}", "probes[1].headers", "'bad header' is not a valid header"),
        ("headers: {x-a: 'é'}", "probes[1].headers", "header x-a: the value must be printable"),
    ],
)
def test_http_requests_that_cannot_be_sent_are_config_errors(
    setting: str, key: str, words: str
) -> None:
    text = GOOD + (
        "  - name: raw\n    target: cometapi\n    kind: http\n    every: 1h\n"
        f"    path: /v1/models\n    {setting}\n"
    )
    (error,) = _errors(text)
    assert f": {key}: " in error
    assert words in error

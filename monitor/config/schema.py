"""The configuration schema: every key, its type and its default (see CONFIGURATION.md).

Models reject unknown keys; cross-references (a probe's target, duplicate names, placeholder
models) are checked after parsing in ``monitor.config.crossrefs`` so each error names its own key.
Sections filled by later work are declared here already so the outline never changes shape.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    PrivateAttr,
    field_validator,
)

from monitor.config.timeparse import format_duration, parse_duration


def _duration(value: Any) -> Any:
    if isinstance(value, timedelta):
        return value
    if isinstance(value, str):
        return parse_duration(value)
    raise ValueError(f"invalid duration {value!r}: use a number with a unit, e.g. 30s, 5m, 2h")


Duration = Annotated[
    timedelta, BeforeValidator(_duration), PlainSerializer(format_duration, return_type=str)
]


def _iso_text(value: Any) -> Any:
    # YAML reads an unquoted 2026-06-01 as a date (and 2026-06-01T14:00:00Z as a datetime):
    # both are what the user meant, so they become the ISO text a quoted value would be.
    if isinstance(value, date | datetime):
        return value.isoformat()
    return value


IsoText = Annotated[str, BeforeValidator(_iso_text)]
HTTP_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")  # RFC 9110 token: methods, header names
Severity = Literal["info", "warning", "breaking"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WithHeaders(Strict):
    """A model with configured request headers. The loader notes which values came from the
    environment (``${GATEWAY_KEY}``): those are credentials as often as not, so evidence shows
    them masked. Not a config key: it follows from how the value is written."""

    headers: dict[str, str] = Field(default_factory=dict)
    _env_headers: frozenset[str] = PrivateAttr(default_factory=frozenset)
    _env_secrets: frozenset[str] = PrivateAttr(default_factory=frozenset)

    @field_validator("headers")
    @classmethod
    def _sendable(cls, headers: dict[str, str]) -> dict[str, str]:
        # Caught here, a typo is a config error; caught by httpx, it became a finding that
        # blamed the vendor for our own configuration.
        for name, value in headers.items():
            if not HTTP_TOKEN.fullmatch(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if not value.isascii() or any(ch in value for ch in "\r\n\0"):
                raise ValueError(f"header {name}: the value must be printable ASCII on one line")
        return headers

    @property
    def env_headers(self) -> frozenset[str]:
        """Lower-cased names of headers whose value came from ``${...}``."""
        return self._env_headers

    def note_env_header(self, name: str) -> None:
        self._env_headers = self._env_headers | {name.lower()}

    @property
    def env_secrets(self) -> frozenset[str]:
        """Values from ``${...}`` in headers, an ``http`` probe's path or body, or a target's
        ``base_url``: scrubbed wherever an upstream echoes them (see the config loader)."""
        return self._env_secrets

    def note_env_secret(self, value: str) -> None:
        self._env_secrets = self._env_secrets | {value}


class StorageConfig(Strict):
    url: str = "sqlite:///monitor.db"
    # a claimed run's lease is the probe's timeout plus this margin; past it, another replica
    # presumes the owner dead and re-runs the slot
    lease_margin: Duration = Field(default=timedelta(seconds=30), gt=timedelta(0))
    # where runs wait while the database is unavailable (default: the XDG state directory,
    # ~/.local/state/contract-monitor/spool)
    spool_dir: str | None = None


class BudgetConfig(Strict):
    requests_per_minute: int | None = Field(default=None, ge=1)
    tokens_per_day: int | None = Field(default=None, ge=1)


class CircuitBreakerConfig(Strict):
    after_failures: int | None = Field(default=5, ge=1)  # null: never stop probing
    cool_down: Duration = timedelta(minutes=5)
    down_for: Duration = timedelta(minutes=2)


class TargetConfig(WithHeaders):
    base_url: str
    api_key_env: str | None = None
    api_key_file: str | None = None
    contract: str | None = None
    budget: BudgetConfig = Field(default_factory=BudgetConfig)
    max_connections: int = Field(default=4, ge=1, le=100)
    # Bytes read of one answer, decompression included (a gzip bomb stops here): 1 MiB fits
    # any chat completion; a long GET /v1/models list behind a gateway may need more.
    max_body: int = Field(default=1024 * 1024, ge=1024, le=64 * 1024 * 1024)
    traceparent: bool = False
    circuit_breaker: CircuitBreakerConfig = Field(default_factory=CircuitBreakerConfig)


class BaselineConfig(Strict):
    learn_runs: int = Field(default=5, ge=1, le=10_000)
    learn_for: Duration | None = None


class EventsConfig(Strict):
    open_after: int = Field(default=2, ge=1)
    window: int = Field(default=3, ge=1, le=100)
    resolve_after: int = Field(default=2, ge=1)
    remind_every: Duration | None = None


class AssumesConfig(Strict):
    paths: list[str] = Field(default_factory=list)
    enums: dict[str, list[str]] = Field(default_factory=dict)
    token_field: Literal["max_tokens", "max_completion_tokens"] | None = None
    headers: list[str] = Field(default_factory=list)
    status: int | None = Field(default=None, ge=100, le=599)


class SloConfig(Strict):
    latency: Duration | None = None
    ttft: Duration | None = None


class RetriesConfig(Strict):
    attempts: int = Field(default=3, ge=1, le=10)
    backoff: Duration = timedelta(milliseconds=500)
    max_backoff: Duration = timedelta(seconds=5)


class RedactConfig(Strict):
    messages: bool = False
    response_text: bool = False


class IgnoreRule(Strict):
    kind: str | None = None
    path: str | None = None
    reason: str
    until: IsoText | None = None  # ISO date; an expired rule surfaces the finding again


class OverridesConfig(Strict):
    severity: dict[str, Severity] = Field(default_factory=dict)  # key: kind or path
    ignore: list[IgnoreRule] = Field(default_factory=list)


ProbeKind = Literal[
    "chat_completion",
    "chat_completion_stream",
    "models",
    "auth_rejection",
    "request_validation",
    "token_field",
    "http",
]


class ProbeConfig(WithHeaders):
    name: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
    target: str
    kind: ProbeKind = "chat_completion"
    every: Duration | None = None
    cron: str | None = None
    model: str | None = None
    messages: list[dict[str, Any]] = Field(default_factory=list)
    params: dict[str, Any] = Field(default_factory=dict)
    baseline: BaselineConfig = Field(default_factory=BaselineConfig)
    events: EventsConfig = Field(default_factory=EventsConfig)
    owner: str | None = None
    runbook_url: str | None = None
    assumes: AssumesConfig | None = None
    slo: SloConfig = Field(default_factory=SloConfig)
    timeout: Duration = timedelta(seconds=30)
    connect_timeout: Duration = timedelta(seconds=5)
    retries: RetriesConfig = Field(default_factory=RetriesConfig)
    redact: RedactConfig = Field(default_factory=RedactConfig)
    overrides: OverridesConfig = Field(default_factory=OverridesConfig)
    enum_paths: list[str] = Field(default_factory=list)
    production_parser: Literal["none", "openai"] = "none"
    # kind: http
    method: Annotated[str, Field(pattern=f"^{HTTP_TOKEN.pattern}$")] = "POST"
    path: str | None = None
    body: Any = None


class ConsoleSinkConfig(Strict):
    stream: Literal["stderr", "stdout"] = "stderr"


class SlackSinkConfig(Strict):
    token_env: str
    channel: str
    api_url: str = "https://slack.com/api/"


class SlackWebhookSinkConfig(Strict):
    url_env: str


class PagerDutySinkConfig(Strict):
    routing_key_env: str
    api_url: str = "https://events.pagerduty.com/v2/enqueue"


class WebhookSinkConfig(Strict):
    url: str
    secret_env: str | None = None


class DeadmanConfig(Strict):
    """A dead man's switch, pinged while the monitor is healthy (``monitor.selfcheck.deadman``)."""

    url_env: str  # the ping URL is a credential (healthchecks.io's holds the check's UUID)
    every: Duration = timedelta(seconds=60)


class AlertsConfig(Strict):
    console: ConsoleSinkConfig | None = None
    slack: SlackSinkConfig | None = None
    slack_webhook: SlackWebhookSinkConfig | None = None
    pagerduty: PagerDutySinkConfig | None = None
    webhook: WebhookSinkConfig | None = None
    trace_link: str | None = None  # e.g. "https://grafana.example/explore?traceId={trace_id}"
    group_window: Duration = timedelta(seconds=30)
    undelivered_after: Duration = timedelta(minutes=15)
    deadman: DeadmanConfig | None = None


class RouteMatch(Strict):
    category: list[str] | None = None
    severity: list[Severity] | None = None
    probe: list[str] | None = None


SLACK_CHANNEL_SINK = "slack:"  # a route's sink "slack:#team": alerts.slack's bot, another channel


def slack_channel_of(sink: str) -> str | None:
    """The channel of a ``slack:<channel>`` route sink; None for any other sink name."""
    return sink.removeprefix(SLACK_CHANNEL_SINK) if sink.startswith(SLACK_CHANNEL_SINK) else None


class RouteConfig(Strict):
    match: RouteMatch = Field(default_factory=RouteMatch)
    # an empty list would drop the alerts it matches; 40: the outbox's sink column
    sinks: list[Annotated[str, Field(min_length=1, max_length=40)]] = Field(min_length=1)
    owner: str | None = None


class MaintenanceWindow(Strict):
    # one-off (start, end) or recurring (cron, duration, UTC): the config check wants one pair
    start: IsoText | None = None
    end: IsoText | None = None
    cron: str | None = None
    duration: Duration | None = None
    probes: list[str] | None = None
    targets: list[str] | None = None
    reason: str = ""


class ApiConfig(Strict):
    listen: str = "127.0.0.1:8080"
    token_env: str | None = "MONITOR_API_TOKEN"
    enabled: bool = True


class UiConfig(Strict):
    """The web pages served beside the API (``monitor.web``)."""

    # Where people reach the pages (behind an ingress): alerts link to event and run pages with it.
    base_url: str | None = Field(default=None, pattern=r"^https?://[^\s/]+(/[^\s]*)?$")
    public_status: bool = False  # `/` and badges without login: names, states, uptime, strip only
    actions: bool = False  # ack and mute buttons on events (POST with a CSRF token)
    refresh: Duration = timedelta(seconds=30)  # how often the overview reloads itself


class TelemetryConfig(Strict):
    service_name: str = "contract-monitor"
    log_format: Literal["text", "json"] = "text"


class RetentionConfig(Strict):
    runs: Duration = timedelta(days=30)
    bodies: Duration = timedelta(days=7)


class Config(Strict):
    environment: str = "production"
    storage: StorageConfig = Field(default_factory=StorageConfig)
    targets: dict[str, TargetConfig] = Field(default_factory=dict)
    probes: list[ProbeConfig] = Field(default_factory=list)
    alerts: AlertsConfig = Field(default_factory=AlertsConfig)
    routes: list[RouteConfig] = Field(default_factory=list)
    maintenance: list[MaintenanceWindow] = Field(default_factory=list)
    api: ApiConfig = Field(default_factory=ApiConfig)
    ui: UiConfig = Field(default_factory=UiConfig)
    telemetry: TelemetryConfig = Field(default_factory=TelemetryConfig)
    retention: RetentionConfig = Field(default_factory=RetentionConfig)

    def probe(self, name: str) -> ProbeConfig | None:
        return next((p for p in self.probes if p.name == name), None)


def explicit(model: BaseModel, key: str) -> str | None:
    """``key``'s value when the configuration sets it, None when it is left at its default."""
    return str(getattr(model, key)) if key in model.model_fields_set else None

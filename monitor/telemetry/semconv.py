"""Span and resource attribute names, in one place.

The OpenTelemetry GenAI conventions are still "development" status and have renamed attributes
before (``gen_ai.system`` became ``gen_ai.provider.name``); when they move again only this module
changes. HTTP and URL attributes follow the stable HTTP client conventions. ``monitor.*`` names
are ours.
"""

from __future__ import annotations

# Resource
SERVICE_NAME = "service.name"
SERVICE_VERSION = "service.version"
# ``deployment.environment`` was deprecated for ``deployment.environment.name`` (semconv 1.27);
# one given in OTEL_RESOURCE_ATTRIBUTES is still read, and published under the new name
DEPLOYMENT_ENVIRONMENT = "deployment.environment.name"
DEPLOYMENT_ENVIRONMENT_DEPRECATED = "deployment.environment"

# GenAI (development status)
GEN_AI_OPERATION_NAME = "gen_ai.operation.name"
GEN_AI_PROVIDER_NAME = "gen_ai.provider.name"
GEN_AI_REQUEST_MODEL = "gen_ai.request.model"
GEN_AI_REQUEST_MAX_TOKENS = "gen_ai.request.max_tokens"
GEN_AI_REQUEST_TEMPERATURE = "gen_ai.request.temperature"
GEN_AI_RESPONSE_MODEL = "gen_ai.response.model"
GEN_AI_RESPONSE_ID = "gen_ai.response.id"
GEN_AI_RESPONSE_FINISH_REASONS = "gen_ai.response.finish_reasons"
GEN_AI_USAGE_INPUT_TOKENS = "gen_ai.usage.input_tokens"
GEN_AI_USAGE_OUTPUT_TOKENS = "gen_ai.usage.output_tokens"
GEN_AI_OPERATION_CHAT = "chat"

# HTTP client (stable)
HTTP_REQUEST_METHOD = "http.request.method"
HTTP_REQUEST_RESEND_COUNT = "http.request.resend_count"
HTTP_RESPONSE_STATUS_CODE = "http.response.status_code"
SERVER_ADDRESS = "server.address"
SERVER_PORT = "server.port"
URL_FULL = "url.full"
ERROR_TYPE = "error.type"

# Contract Monitor
MONITOR_PROBE = "monitor.probe"
MONITOR_TARGET = "monitor.target"
MONITOR_PROBE_KIND = "monitor.probe.kind"
MONITOR_RUN_ID = "monitor.run.id"
MONITOR_TRIGGER = "monitor.trigger"
MONITOR_OUTCOME = "monitor.outcome"
MONITOR_CATEGORY = "monitor.category"
MONITOR_VERDICT = "monitor.verdict"
MONITOR_REQUEST_ID = "monitor.request_id"
MONITOR_ATTEMPTS = "monitor.attempts"
MONITOR_ATTEMPT_NUMBER = "monitor.attempt.number"
MONITOR_ATTEMPT_OUTCOME = "monitor.attempt.outcome"
MONITOR_RETRY_AFTER_S = "monitor.attempt.retry_after_s"
MONITOR_FINDINGS_COUNT = "monitor.findings.count"
MONITOR_BASELINE_VERSION = "monitor.baseline.version"
MONITOR_BASELINE_STATE = "monitor.baseline.state"
MONITOR_CLAIM_LOST = "monitor.claim_lost"  # another replica completed the slot first
MONITOR_SPOOLED = "monitor.spooled"  # the database was down: the run waits in the spool

# The delivery span of an alert message (linked to the runs' spans by MONITOR_RUN_ID)
MONITOR_SINK = "monitor.sink"
MONITOR_ALERT_KEY = "monitor.alert.key"  # the message's idempotency key
MONITOR_ALERT_REASON = "monitor.alert.reason"  # opened, reminder, resolved, ...
MONITOR_ALERT_EVENTS = "monitor.alert.events"  # events in the message (a grouped opening: > 1)
MONITOR_ALERT_REF = "monitor.alert.ref"  # what the sink answered with (Slack ts, PagerDuty key)

# One span event per finding
FINDING_EVENT = "monitor.finding"
FINDING_KIND = "monitor.finding.kind"
FINDING_PATH = "monitor.finding.path"
FINDING_SEVERITY = "monitor.finding.severity"
FINDING_SOURCE = "monitor.finding.source"
FINDING_CATEGORY = "monitor.finding.category"
FINDING_VERDICT = "monitor.finding.verdict"
FINDING_MESSAGE = "monitor.finding.message"

# Span names
COMPARE_SPAN = "compare"

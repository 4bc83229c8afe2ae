"""The scenario registry: every way the simulator can misbehave, by name.

A scenario has up to three hooks, run in registry order so a combination such as
`"drop-usage,new-finish-reason"` gives the same result whatever order it was written in:

* `intercept(ctx)` answers the request itself (an error, a redirect, a hang) or returns None;
  the first scenario that answers wins (see `intercepts`).
* `mutate(objects, ctx)` edits the answer before serialisation. `objects` is `[completion]`
  for a JSON answer or the list of chunks for a stream, so one mutator serves both (see
  `mutations`).
* `shape(plan, ctx)` changes delivery: timing, framing, encoding (see `shaping`).

Seven scenarios have no hook because they change the request flow itself, and the pipeline checks
them by name: `auth-rejects`, `comet-errors`, `echo-key`, `echo-key-200`, `echo-key-redirect`,
`models-missing`, `stream-not-streamed`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from monitor.simulator import intercepts, mutations, shaping
from monitor.simulator.mutations import Mutate
from monitor.simulator.plan import Ctx, Plan

Intercept = Callable[[Ctx], Plan | None]
Shape = Callable[[Plan, Ctx], None]


@dataclass(frozen=True)
class Scenario:
    description: str
    intercept: Intercept | None = None
    mutate: Mutate | None = None
    shape: Shape | None = None
    stream_only: bool = False  # mutate only applies to streamed answers
    on_models: bool = False  # intercept also answers GET /v1/models


SCENARIOS: dict[str, Scenario] = {
    "healthy": Scenario("Well-formed answers shaped like current OpenAI responses."),
    "drop-usage": Scenario(
        "No `usage` object; streams send no usage chunk.", mutate=mutations.drop_usage
    ),
    "new-finish-reason": Scenario(
        "finish_reason is 'end_turn' instead of 'stop'.", mutate=mutations.new_finish_reason
    ),
    "null-content": Scenario(
        "message.content (and stream content deltas) are null.", mutate=mutations.null_content
    ),
    "rename-token-field": Scenario(
        "400 unsupported_parameter when the request uses max_tokens; max_completion_tokens works.",
        intercept=intercepts.max_tokens_rejected,
    ),
    "auth-rejects": Scenario("401 invalid_api_key for every key, including the right one."),
    "slow": Scenario("Answers only after `slow_seconds` (default 3 s).", shape=shaping.slow),
    "html-502": Scenario(
        "502 with an nginx HTML error page.", intercept=intercepts.html_502, on_models=True
    ),
    "stream-no-done": Scenario("Streams end without `data: [DONE]`.", shape=shaping.no_done),
    "error-in-200": Scenario(
        "HTTP 200 whose JSON is an aggregator error envelope.", intercept=intercepts.error_in_200
    ),
    "array-body": Scenario("HTTP 200 with the JSON body `[]`.", intercept=intercepts.array_body),
    "html-200": Scenario(
        "HTTP 200 with an HTML page (text/html) instead of JSON.", intercept=intercepts.html_200
    ),
    "truncated-json": Scenario(
        "Body cut in half; content-length matches what is sent.", shape=shaping.truncated
    ),
    "invalid-utf8": Scenario(
        "Invalid UTF-8 bytes inside the answer text.",
        mutate=mutations.mark_content(shaping.UTF8_MARKER, keep_text=True),
        shape=shaping.invalid_utf8,
    ),
    "nan": Scenario(
        "NaN and Infinity literals in the usage token details (none with drop-usage).",
        mutate=mutations.nan,
    ),
    "huge-body": Scenario(
        "A 50 MB answer, written to the socket piece by piece.",
        mutate=mutations.mark_content(shaping.HUGE_MARKER, keep_text=False),
        shape=shaping.huge_body,
    ),
    "gzip-bomb": Scenario(
        "content-encoding: gzip, about 1 MB that inflates to 1 GiB of zeros.",
        shape=shaping.gzip_bomb_shape,
    ),
    "trickle": Scenario(
        "Body sent one byte at a time, every `trickle_interval` (default 0.2 s).",
        shape=shaping.trickle,
    ),
    "headers-never": Scenario(
        "Accepts the request and never starts the response (until the client leaves).",
        intercept=intercepts.headers_never,
        on_models=True,
    ),
    "stream-endless": Scenario(
        "Streams send a chunk every 50 ms forever and never [DONE].", shape=shaping.endless
    ),
    "redirect-other-host": Scenario(
        "301 to the same path and port on 127.0.0.2.", intercept=intercepts.redirect
    ),
    "rate-limit-long": Scenario(
        "429 rate_limit_exceeded with Retry-After: 86400.",
        intercept=lambda ctx: intercepts.rate_limited(ctx, 86400, "20s"),
        on_models=True,
    ),
    "rate-limit-once": Scenario(
        "The first chat request after the switch gets 429 with Retry-After: 1.",
        intercept=intercepts.rate_limit_once,
    ),
    "server-error": Scenario(
        "500 server_error envelope.", intercept=intercepts.server_error, on_models=True
    ),
    "flaky": Scenario(
        "The first chat request after the switch gets 503; later ones succeed.",
        intercept=intercepts.flaky,
    ),
    "stream-not-streamed": Scenario("stream: true is answered with one application/json body."),
    "stream-one-burst": Scenario(
        "Valid SSE, but every chunk arrives at once after 1 s.", shape=shaping.one_burst
    ),
    "stream-error-event": Scenario(
        "HTTP 200 SSE: one chunk, then an in-band error event, then the stream stops.",
        mutate=mutations.error_event,
        shape=shaping.no_done,
        stream_only=True,
    ),
    "stream-no-finish-reason": Scenario(
        "No stream chunk carries a finish_reason.",
        mutate=mutations.no_finish_reason,
        stream_only=True,
    ),
    "stream-wrong-content-type": Scenario(
        "Streams are labelled text/plain.", shape=shaping.wrong_content_type
    ),
    "stream-data-only": Scenario(
        "Streams carry nothing but `data:` lines: no leading `: ping` comment.",
        shape=shaping.data_only,
    ),
    "stream-keepalive-comments": Scenario(
        "Healthy stream with ': OPENROUTER PROCESSING' comment lines interleaved.",
        shape=shaping.keepalive_comments,
    ),
    "comet-errors": Scenario("Errors use CometAPI's envelope; no x-request-id header."),
    "echo-key": Scenario(
        "401 whose message and x-echo header quote the bearer token in full, as some gateways do."
    ),
    "echo-key-200": Scenario(
        "HTTP 200 whose error envelope quotes the bearer token (an aggregator's quota error)."
    ),
    "echo-key-redirect": Scenario(
        "301 to 127.0.0.2 whose Location carries the bearer token as `?key=`."
    ),
    "models-missing": Scenario("/v1/models lists only o3-mini."),
    "type-change": Scenario("`created` is a string.", mutate=mutations.type_change),
    "add-field": Scenario(
        "New top-level `provider` and `usage.cost` fields.", mutate=mutations.add_field
    ),
    "content-array": Scenario(
        "message.content is an array of text parts.", mutate=mutations.content_array
    ),
    "nul-in-strings": Scenario(
        "A NUL character (\\u0000) in finish_reason, a key and a value.",
        mutate=mutations.nul_in_strings,
    ),
    "hostile-markup": Scenario(
        "HTML and script in the model, a new field, the text and an `x-hostile` header.",
        mutate=mutations.hostile_markup,
        shape=shaping.hostile_header,
    ),
    "huge-numbers": Scenario(
        "Token counts of 1e20 and a 300-character model name.", mutate=mutations.huge_numbers
    ),
}


def parse_scenario(text: str) -> tuple[str, ...]:
    """Split a comma-separated scenario string; raise ValueError naming the valid scenarios."""
    names = tuple(dict.fromkeys(part.strip() for part in text.split(",") if part.strip()))
    unknown = [name for name in names if name not in SCENARIOS]
    if not names or unknown:
        problem = f"unknown scenario {', '.join(map(repr, unknown))}" if unknown else "no scenario"
        raise ValueError(f"{problem}; valid scenarios: {', '.join(SCENARIOS)}")
    return names


def in_order(names: frozenset[str]) -> list[Scenario]:
    """The active scenarios in registry order, so hooks compose the same way every time."""
    return [scenario for name, scenario in SCENARIOS.items() if name in names]

"""The scenario registry: every way the simulator can misbehave, by name.

A scenario has up to three hooks, run in registry order so a combination such as
`"drop-usage,new-finish-reason"` gives the same result whatever order it was written in:

* `intercept(ctx)` answers the request itself (an error, a redirect, a hang) or returns None;
  the first scenario that answers wins.
* `mutate(objects, ctx)` edits the answer before serialisation. `objects` is `[completion]`
  for a JSON answer or the list of chunks for a stream, so one mutator serves both.
* `shape(plan, ctx)` changes delivery: timing, framing, encoding (see `shaping`).

Five scenarios have no hook because they change the request flow itself, and the pipeline checks
them by name: `auth-rejects`, `comet-errors`, `echo-key`, `echo-key-200`, `echo-key-redirect`,
`models-missing`, `stream-not-streamed`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from monitor.simulator import payloads, shaping
from monitor.simulator.plan import HTML_TYPE, Ctx, Plan

JSONDict = payloads.JSONDict
Intercept = Callable[[Ctx], Plan | None]
Mutate = Callable[[list[JSONDict], Ctx], list[JSONDict]]
Shape = Callable[[Plan, Ctx], None]


@dataclass(frozen=True)
class Scenario:
    description: str
    intercept: Intercept | None = None
    mutate: Mutate | None = None
    shape: Shape | None = None
    stream_only: bool = False  # mutate only applies to streamed answers
    on_models: bool = False  # intercept also answers GET /v1/models


def _messages(objects: list[JSONDict]) -> Iterator[dict[str, Any]]:
    """The `message` (JSON answer) or `delta` (stream chunk) of every choice."""
    for obj in objects:
        for choice in obj.get("choices") or []:
            for key in ("message", "delta"):
                if isinstance(choice.get(key), dict):
                    yield choice[key]


def _choices(objects: list[JSONDict]) -> Iterator[dict[str, Any]]:
    for obj in objects:
        yield from obj.get("choices") or []


def _drop_usage(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for obj in objects:
        obj.pop("usage", None)
    return [o for o in objects if o.get("object") != "chat.completion.chunk" or o.get("choices")]


def _new_finish_reason(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for choice in _choices(objects):
        if choice.get("finish_reason") == "stop":
            choice["finish_reason"] = "end_turn"
    return objects


def _no_finish_reason(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for choice in _choices(objects):
        choice["finish_reason"] = None
    return objects


def _null_content(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for message in _messages(objects):
        if "content" in message:
            message["content"] = None
    return objects


def _content_array(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for message in _messages(objects):
        content = message.get("content")
        if isinstance(content, str):
            message["content"] = [{"type": "text", "text": content}] if content else []
    return objects


def _type_change(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for obj in objects:
        if "created" in obj:
            obj["created"] = str(obj["created"])
    return objects


def _add_field(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for obj in objects:
        obj["provider"] = "sim"
        if isinstance(obj.get("usage"), dict):
            obj["usage"]["cost"] = 0.0001
    return objects


def _nul_in_strings(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    # valid JSON (json.dumps writes \u0000) that PostgreSQL's text and JSONB cannot hold
    for choice in _choices(objects):
        if choice.get("finish_reason") == "stop":
            choice["finish_reason"] = "st\x00op"
    for obj in objects:
        obj["x\x00y"] = "a\x00b"
    return objects


def _huge_numbers(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    for obj in objects:
        usage = obj.get("usage")
        if isinstance(usage, dict):
            usage.update(prompt_tokens=10**20, completion_tokens=-(10**20), total_tokens=0)
        if "model" in obj:
            obj["model"] = "m" * 300
    return objects


HOSTILE_MARKUP = '<script>alert(1)</script>"><img src=x onerror=alert(2)>'


def _hostile_markup(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    # markup where a page would print provider values: the model, a new field, the text
    for obj in objects:
        obj["model"] = HOSTILE_MARKUP
        obj["x_note"] = HOSTILE_MARKUP
    for message in _messages(objects):
        if isinstance(message.get("content"), str):
            message["content"] = HOSTILE_MARKUP
    return objects


def _hostile_header(plan: Plan, ctx: Ctx) -> None:
    plan.headers["x-hostile"] = HOSTILE_MARKUP


def _nan(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    # json.dumps writes float('nan') and float('inf') as the non-standard NaN / Infinity.
    for obj in objects:
        usage = obj.get("usage")
        if isinstance(usage, dict):
            usage["prompt_tokens_details"]["cached_tokens"] = math.nan
            usage["completion_tokens_details"]["reasoning_tokens"] = math.inf
    return objects


def _mark_content(marker: str, keep_text: bool) -> Mutate:
    def mutate(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
        for message in _messages(objects):
            content = message.get("content")
            if isinstance(content, str) and content:
                message["content"] = f"{content} {marker}" if keep_text else marker
                break
        return objects

    return mutate


def _error_event(objects: list[JSONDict], ctx: Ctx) -> list[JSONDict]:
    # Shaped like OpenRouter's mid-stream failure: HTTP 200 is long sent, so the error is data.
    error = {"error": {"message": "Provider returned error: upstream disconnected", "code": 502}}
    return [*objects[:2], error]


def _max_tokens_rejected(ctx: Ctx) -> Plan | None:
    if ctx.kind != "chat" or "max_tokens" not in ctx.body:
        return None
    # Body of OpenAI's reply to max_tokens on reasoning models, byte-identical when serialised.
    message = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead."
    )
    return ctx.error(400, message, "invalid_request_error", "max_tokens", "unsupported_parameter")


def _html_502(ctx: Ctx) -> Plan:
    return ctx.html(502, payloads.html_page(502, "Bad Gateway"))


def _error_in_200(ctx: Ctx) -> Plan:
    message = f"upstream error: do request failed (request id: {ctx.comet_id()})"
    return ctx.json(200, {"error": {"message": message, "type": "comet_api_error", "code": ""}})


def _array_body(ctx: Ctx) -> Plan:
    return Plan(parts=[b"[]"])


_CHALLENGE_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    b'<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>'
    b'<body><div class="main-wrapper" role="main"><h1>Checking your browser before '
    b"accessing the API.</h1><p>This process is automatic.</p></div></body></html>\n"
)


def _html_200(ctx: Ctx) -> Plan:
    return Plan(content_type="text/html; charset=utf-8", parts=[_CHALLENGE_PAGE])


def _headers_never(ctx: Ctx) -> Plan:
    return Plan(hold=True)


def _redirect(ctx: Ctx) -> Plan:
    location = f"{ctx.scheme}://127.0.0.2:{ctx.port}/v1/chat/completions"
    page = payloads.html_page(301, "Moved Permanently")
    return Plan(status=301, content_type=HTML_TYPE, parts=[page], headers={"location": location})


def _rate_limited(ctx: Ctx, retry_after: int, retry_in: str) -> Plan:
    headers = {
        "retry-after": str(retry_after),
        "x-ratelimit-limit-requests": "3",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": retry_in,
    }
    message = payloads.rate_limit_message(ctx.model, retry_in)
    return ctx.error(429, message, "requests", None, "rate_limit_exceeded", headers)


def _rate_limit_once(ctx: Ctx) -> Plan | None:
    return _rate_limited(ctx, 1, "1s") if ctx.kind == "chat" and ctx.ordinal == 0 else None


def _server_error(ctx: Ctx) -> Plan:
    message = "The server had an error while processing your request."
    return ctx.error(500, message, "server_error")


def _flaky(ctx: Ctx) -> Plan | None:
    if ctx.kind != "chat" or ctx.ordinal != 0:
        return None
    return ctx.error(503, "The server is overloaded or not ready yet.", "server_error")


SCENARIOS: dict[str, Scenario] = {
    "healthy": Scenario("Well-formed answers shaped like current OpenAI responses."),
    "drop-usage": Scenario("No `usage` object; streams send no usage chunk.", mutate=_drop_usage),
    "new-finish-reason": Scenario(
        "finish_reason is 'end_turn' instead of 'stop'.", mutate=_new_finish_reason
    ),
    "null-content": Scenario(
        "message.content (and stream content deltas) are null.", mutate=_null_content
    ),
    "rename-token-field": Scenario(
        "400 unsupported_parameter when the request uses max_tokens; max_completion_tokens works.",
        intercept=_max_tokens_rejected,
    ),
    "auth-rejects": Scenario("401 invalid_api_key for every key, including the right one."),
    "slow": Scenario("Answers only after `slow_seconds` (default 3 s).", shape=shaping.slow),
    "html-502": Scenario("502 with an nginx HTML error page.", intercept=_html_502, on_models=True),
    "stream-no-done": Scenario("Streams end without `data: [DONE]`.", shape=shaping.no_done),
    "error-in-200": Scenario(
        "HTTP 200 whose JSON is an aggregator error envelope.", intercept=_error_in_200
    ),
    "array-body": Scenario("HTTP 200 with the JSON body `[]`.", intercept=_array_body),
    "html-200": Scenario(
        "HTTP 200 with an HTML page (text/html) instead of JSON.", intercept=_html_200
    ),
    "truncated-json": Scenario(
        "Body cut in half; content-length matches what is sent.", shape=shaping.truncated
    ),
    "invalid-utf8": Scenario(
        "Invalid UTF-8 bytes inside the answer text.",
        mutate=_mark_content(shaping.UTF8_MARKER, keep_text=True),
        shape=shaping.invalid_utf8,
    ),
    "nan": Scenario(
        "NaN and Infinity literals in the usage token details (none with drop-usage).",
        mutate=_nan,
    ),
    "huge-body": Scenario(
        "A 50 MB answer, written to the socket piece by piece.",
        mutate=_mark_content(shaping.HUGE_MARKER, keep_text=False),
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
        intercept=_headers_never,
        on_models=True,
    ),
    "stream-endless": Scenario(
        "Streams send a chunk every 50 ms forever and never [DONE].", shape=shaping.endless
    ),
    "redirect-other-host": Scenario(
        "301 to the same path and port on 127.0.0.2.", intercept=_redirect
    ),
    "rate-limit-long": Scenario(
        "429 rate_limit_exceeded with Retry-After: 86400.",
        intercept=lambda ctx: _rate_limited(ctx, 86400, "20s"),
        on_models=True,
    ),
    "rate-limit-once": Scenario(
        "The first chat request after the switch gets 429 with Retry-After: 1.",
        intercept=_rate_limit_once,
    ),
    "server-error": Scenario("500 server_error envelope.", intercept=_server_error, on_models=True),
    "flaky": Scenario(
        "The first chat request after the switch gets 503; later ones succeed.",
        intercept=_flaky,
    ),
    "stream-not-streamed": Scenario("stream: true is answered with one application/json body."),
    "stream-one-burst": Scenario(
        "Valid SSE, but every chunk arrives at once after 1 s.", shape=shaping.one_burst
    ),
    "stream-error-event": Scenario(
        "HTTP 200 SSE: one chunk, then an in-band error event, then the stream stops.",
        mutate=_error_event,
        shape=shaping.no_done,
        stream_only=True,
    ),
    "stream-no-finish-reason": Scenario(
        "No stream chunk carries a finish_reason.", mutate=_no_finish_reason, stream_only=True
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
    "type-change": Scenario("`created` is a string.", mutate=_type_change),
    "add-field": Scenario("New top-level `provider` and `usage.cost` fields.", mutate=_add_field),
    "content-array": Scenario("message.content is an array of text parts.", mutate=_content_array),
    "nul-in-strings": Scenario(
        "A NUL character (\\u0000) in finish_reason, a key and a value.", mutate=_nul_in_strings
    ),
    "hostile-markup": Scenario(
        "HTML and script in the model, a new field, the text and an `x-hostile` header.",
        mutate=_hostile_markup,
        shape=_hostile_header,
    ),
    "huge-numbers": Scenario(
        "Token counts of 1e20 and a 300-character model name.", mutate=_huge_numbers
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

"""From request to `Plan`: authentication, validation, scenario intercepts, the answer itself
and the headers every response carries. No HTTP framework here, only `Ctx` in and `Plan` out."""

from __future__ import annotations

import json

from monitor.simulator import payloads
from monitor.simulator.plan import DONE, HTML_TYPE, PING, SSE_TYPE, Ctx, Plan
from monitor.simulator.scenarios import in_order


def authorize(ctx: Ctx, authorization: str | None, api_key: str) -> Plan | None:
    scheme, _, token = (authorization or "").strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        return ctx.error(401, payloads.MISSING_KEY_MESSAGE, "invalid_request_error")
    if "echo-key" in ctx.names:
        message = f"Incorrect API key provided: {token}. Check the key and try again."
        return ctx.error(
            401,
            message,
            "invalid_request_error",
            None,
            "invalid_api_key",
            {"x-echo-authorization": f"Bearer {token}"},
        )
    if "echo-key-200" in ctx.names:
        message = f"upstream rejected key {token}: quota exhausted"
        return ctx.json(200, {"error": {"message": message, "type": "comet_api_error", "code": ""}})
    if "echo-key-redirect" in ctx.names:
        location = f"{ctx.scheme}://127.0.0.2:{ctx.port}/v1/chat/completions?key={token}"
        page = payloads.html_page(301, "Moved Permanently")
        return Plan(
            status=301, content_type=HTML_TYPE, parts=[page], headers={"location": location}
        )
    if token != api_key or "auth-rejects" in ctx.names:
        message = payloads.incorrect_key_message(token)
        return ctx.error(401, message, "invalid_request_error", None, "invalid_api_key")
    return None


def _missing(ctx: Ctx, param: str) -> Plan:
    message = f"Missing required parameter: '{param}'."
    return ctx.error(400, message, "invalid_request_error", param, "missing_required_parameter")


def validate(ctx: Ctx, raw: bytes) -> Plan | None:
    """Check the chat request body; on success store it in `ctx.body`."""
    try:
        body = json.loads(raw)
    except ValueError:
        body = None
    if not isinstance(body, dict):
        return ctx.error(400, payloads.INVALID_JSON_MESSAGE, "invalid_request_error")
    if "messages" not in body:
        return _missing(ctx, "messages")
    if "model" not in body:
        return _missing(ctx, "model")
    messages = body["messages"]
    if not isinstance(messages, list):
        kind = type(messages).__name__
        message = f"Invalid type for 'messages': expected an array, but got {kind} instead."
        return ctx.error(400, message, "invalid_request_error", "messages", "invalid_type")
    if not messages:
        message = (
            "Invalid 'messages': empty array. Expected an array with minimum length 1, "
            "but got an empty array instead."
        )
        return ctx.error(400, message, "invalid_request_error", "messages", "empty_array")
    ctx.body = body
    return None


def intercept(ctx: Ctx) -> Plan | None:
    for scenario in in_order(ctx.names):
        if scenario.intercept is None or (ctx.kind == "models" and not scenario.on_models):
            continue
        plan = scenario.intercept(ctx)
        if plan is not None:
            return plan
    return None


def answer(ctx: Ctx) -> Plan:
    """The chat completion (JSON or SSE) with every active mutator and shaper applied."""
    scenarios = in_order(ctx.names)
    streaming = ctx.stream and "stream-not-streamed" not in ctx.names
    if streaming:
        objects = payloads.stream_chunks(ctx.rng, ctx.body, ctx.now)
    else:
        objects = [payloads.chat_completion(ctx.rng, ctx.body, ctx.now)]
    for scenario in scenarios:
        if scenario.mutate is not None and (streaming or not scenario.stream_only):
            objects = scenario.mutate(objects, ctx)
    if streaming:
        ctx.chunks = objects
        events = [payloads.sse_event(chunk) for chunk in objects]
        plan = Plan(
            content_type=SSE_TYPE,
            parts=[PING, *events, DONE],
            stream=True,
            interval=ctx.settings.stream_interval,
        )
    else:
        plan = ctx.json(200, objects[0])
    for scenario in scenarios:
        if scenario.shape is not None:
            scenario.shape(plan, ctx)
    return plan


def models(ctx: Ctx) -> Plan:
    names = ctx.settings.models
    if "models-missing" in ctx.names:
        names = tuple(name for name in names if name == "o3-mini")
    return ctx.json(200, payloads.models_list(names))


def finish(plan: Plan, ctx: Ctx) -> Plan:
    """Add the headers every provider response carries."""
    if "comet-errors" not in ctx.names:
        plan.headers.setdefault("x-request-id", ctx.request_id)
    plan.headers.setdefault("openai-version", "2020-10-01")
    plan.processing_ms = ctx.rng.randint(90, 700)
    return plan


def chat(ctx: Ctx, authorization: str | None, api_key: str, raw: bytes) -> Plan:
    plan = (
        authorize(ctx, authorization, api_key)
        or validate(ctx, raw)
        or intercept(ctx)
        or answer(ctx)
    )
    return finish(plan, ctx)


def list_models(ctx: Ctx, authorization: str | None, api_key: str) -> Plan:
    plan = authorize(ctx, authorization, api_key) or intercept(ctx) or models(ctx)
    return finish(plan, ctx)


def unknown_route(ctx: Ctx, method: str, path: str) -> Plan:
    plan = ctx.error(404, f"Invalid URL ({method} {path})", "invalid_request_error")
    return finish(plan, ctx)

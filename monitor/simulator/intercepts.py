"""The scenarios' ``intercept`` hooks: each answers a request itself (an error status, an HTML
page, a redirect, a hang, a rate limit) instead of the normal completion, or returns None to let
the next scenario or the normal answer through.
"""

from __future__ import annotations

from monitor.simulator import payloads
from monitor.simulator.plan import HTML_TYPE, Ctx, Plan


def max_tokens_rejected(ctx: Ctx) -> Plan | None:
    if ctx.kind != "chat" or "max_tokens" not in ctx.body:
        return None
    # Body of OpenAI's reply to max_tokens on reasoning models, byte-identical when serialised.
    message = (
        "Unsupported parameter: 'max_tokens' is not supported with this model. "
        "Use 'max_completion_tokens' instead."
    )
    return ctx.error(400, message, "invalid_request_error", "max_tokens", "unsupported_parameter")


def html_502(ctx: Ctx) -> Plan:
    return ctx.html(502, payloads.html_page(502, "Bad Gateway"))


def error_in_200(ctx: Ctx) -> Plan:
    message = f"upstream error: do request failed (request id: {ctx.comet_id()})"
    return ctx.json(200, {"error": {"message": message, "type": "comet_api_error", "code": ""}})


def array_body(ctx: Ctx) -> Plan:
    return Plan(parts=[b"[]"])


_CHALLENGE_PAGE = (
    b'<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>'
    b'<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>'
    b'<body><div class="main-wrapper" role="main"><h1>Checking your browser before '
    b"accessing the API.</h1><p>This process is automatic.</p></div></body></html>\n"
)


def html_200(ctx: Ctx) -> Plan:
    return Plan(content_type="text/html; charset=utf-8", parts=[_CHALLENGE_PAGE])


def headers_never(ctx: Ctx) -> Plan:
    return Plan(hold=True)


def redirect(ctx: Ctx) -> Plan:
    location = f"{ctx.scheme}://127.0.0.2:{ctx.port}/v1/chat/completions"
    page = payloads.html_page(301, "Moved Permanently")
    return Plan(status=301, content_type=HTML_TYPE, parts=[page], headers={"location": location})


def rate_limited(ctx: Ctx, retry_after: int, retry_in: str) -> Plan:
    headers = {
        "retry-after": str(retry_after),
        "x-ratelimit-limit-requests": "3",
        "x-ratelimit-remaining-requests": "0",
        "x-ratelimit-reset-requests": retry_in,
    }
    message = payloads.rate_limit_message(ctx.model, retry_in)
    return ctx.error(429, message, "requests", None, "rate_limit_exceeded", headers)


def rate_limit_once(ctx: Ctx) -> Plan | None:
    return rate_limited(ctx, 1, "1s") if ctx.kind == "chat" and ctx.ordinal == 0 else None


def server_error(ctx: Ctx) -> Plan:
    message = "The server had an error while processing your request."
    return ctx.error(500, message, "server_error")


def flaky(ctx: Ctx) -> Plan | None:
    if ctx.kind != "chat" or ctx.ordinal != 0:
        return None
    return ctx.error(503, "The server is overloaded or not ready yet.", "server_error")

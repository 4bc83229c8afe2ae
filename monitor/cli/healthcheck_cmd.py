"""``monitor healthcheck``: ask a running monitor's ``/healthz`` (or ``/readyz``) and exit 0 or 1,
for container health checks on images without curl."""

from __future__ import annotations

import argparse
import json
import ssl

from monitor.cli.common import Context
from monitor.config.listen import parse_listen  # not the API server's: no uvicorn, no starlette

DEFAULT_LISTEN = "127.0.0.1:8080"


def register(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    parser = sub.add_parser(
        "healthcheck",
        parents=[common],
        help="exit 0 when the running monitor is healthy",
        description="GET /healthz (with --ready: /readyz) of the monitor at --url, or at "
        "api.listen of the configuration, or 127.0.0.1:8080. Exit 0 healthy, 1 not.",
    )
    parser.add_argument("--ready", action="store_true", help="check /readyz instead")
    parser.add_argument("--url", help="base URL, e.g. http://127.0.0.1:8080")
    parser.add_argument("--timeout", type=float, default=5.0, help="seconds (default: 5)")
    parser.set_defaults(handler=handle)


def _base_url(ctx: Context) -> str:
    if ctx.args.url:
        return str(ctx.args.url).rstrip("/")
    listen, scheme = DEFAULT_LISTEN, "http"
    if getattr(ctx.args, "config", None) or ctx.env.get("MONITOR_CONFIG"):
        api = ctx.load().config.api
        listen, scheme = api.listen, "https" if api.tls_cert_file else "http"
    address = parse_listen(listen)
    host = address.connect_host
    return f"{scheme}://{'[' + host + ']' if ':' in host else host}:{address.port}"


def handle(ctx: Context) -> int:
    import urllib.request

    url = _base_url(ctx) + ("/readyz" if ctx.args.ready else "/healthz")
    try:
        # A local, fixed URL from our own config: no proxies, no redirects worth following.
        # Our own listener's certificate names the public host, not the loopback address we
        # connect to; the check sends no credential, so the certificate is not verified.
        insecure = ssl.create_default_context()
        insecure.check_hostname, insecure.verify_mode = False, ssl.CERT_NONE
        opener = urllib.request.build_opener(
            urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=insecure)
        )
        with opener.open(url, timeout=ctx.args.timeout) as response:
            body = response.read().decode("utf-8", "replace")
            status = response.status
    except urllib.error.HTTPError as exc:
        body = exc.read().decode("utf-8", "replace")
        status = exc.code
        exc.close()
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        ctx.stdout.write(f"unhealthy: cannot reach {url}: {reason}\n")
        return 1
    try:
        detail = json.loads(body)
    except ValueError:
        detail = {"body": body[:200]}
    verdict = "healthy" if status == 200 else "unhealthy"
    ctx.stdout.write(f"{verdict}: {url} answered {status} {json.dumps(detail)}\n")
    return 0 if status == 200 else 1

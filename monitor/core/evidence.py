"""Small pure extractions from an observation: the upstream request id."""

from __future__ import annotations

import re
from typing import Any

from monitor.core.observation import Observation

REQUEST_ID_HEADERS = (
    "x-request-id",
    "request-id",
    "x-litellm-call-id",
    "apim-request-id",
    "cf-ray",
)
# CometAPI writes the id into the error message: "... (request id: 20260205132859798638387SIHCnxzJ)"
_IN_MESSAGE = re.compile(r"\(request id:\s*([A-Za-z0-9._:-]+)\)")


def extract_request_id(observation: Observation, document: Any = None) -> str | None:
    for name in REQUEST_ID_HEADERS:
        value = observation.response_headers.get(name)
        if value:
            return value[:200]
    message = None
    if isinstance(document, dict) and isinstance(document.get("error"), dict):
        message = document["error"].get("message")
    if not isinstance(message, str) and observation.body and len(observation.body) < 65536:
        message = observation.body.decode("utf-8", "replace")
    if isinstance(message, str):
        match = _IN_MESSAGE.search(message)
        if match:
            return match.group(1)[:200]
    return None

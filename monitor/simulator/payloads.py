"""Pure builders for the bodies an OpenAI-compatible provider sends.

Everything here is a function of a `random.Random`, the parsed request and a `now` timestamp, so
tests can pin all three. Shapes follow real recorded bodies (see tests/fixtures/PROVENANCE.md):
the values that vary in production (ids, timestamps, answer text, token counts) vary here too, so
a monitor can never learn them as part of the contract.
"""

from __future__ import annotations

import json
import math
import random
import re
import string
import time
from collections.abc import Mapping, Sequence
from typing import Any

JSONDict = dict[str, Any]

DEFAULT_MODELS: tuple[str, ...] = ("gpt-4o-mini", "gpt-4.1-nano", "gpt-5-mini", "o3-mini")

# `created` values as the real /v1/models listing reports them; unknown names get a fixed date.
_MODEL_CREATED = {
    "gpt-4o-mini": 1721172741,
    "gpt-4.1-nano": 1744321707,
    "gpt-5-mini": 1754425928,
    "o3-mini": 1737146383,
}
_UNKNOWN_MODEL_CREATED = 1735689600

# Real providers rotate between a handful of backend fingerprints, not a new one per response.
_FINGERPRINTS = ("fp_de604bd877", "fp_490a4ad033", "fp_d0469e1700", "fp_7c5f1a9b2e")

_SENTENCES = (
    "The capital of the UK is London.",
    "Sure, here is a short answer.",
    "Paris is the capital of France.",
    "Water boils at 100 degrees Celsius at sea level.",
    "The quick brown fox jumps over the lazy dog.",
    "Light from the Sun takes about eight minutes to reach Earth.",
    "A week has seven days.",
    "Photosynthesis turns sunlight, water and carbon dioxide into sugar.",
    "Two plus two equals four.",
    "Mount Everest is the highest mountain above sea level.",
    "Honey never spoils if it is stored properly.",
    "The Pacific is the largest ocean on Earth.",
    "Octopuses have three hearts.",
    "Let me know if you need anything else!",
    "In short: yes.",
    "I hope this helps.",
)

_ALNUM = string.ascii_letters + string.digits
# Roughly how a BPE tokenizer splits English: words with their leading space, punctuation apart.
_TOKEN_RE = re.compile(r"\s*\w+|\s*[^\w\s]")


def completion_id(rng: random.Random) -> str:
    """`chatcmpl-` followed by 29 random letters and digits, like OpenAI's ids."""
    return "chatcmpl-" + "".join(rng.choice(_ALNUM) for _ in range(29))


def request_id(rng: random.Random) -> str:
    """Value for the `x-request-id` response header (`req_` + 32 hex digits)."""
    return f"req_{rng.getrandbits(128):032x}"


def comet_request_id(rng: random.Random, now: float) -> str:
    """CometAPI-style request id: UTC timestamp, 9 digits and 8 letters."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime(now))
    digits = "".join(rng.choice(string.digits) for _ in range(9))
    letters = "".join(rng.choice(string.ascii_letters) for _ in range(8))
    return stamp + digits + letters


def system_fingerprint(rng: random.Random) -> str:
    return rng.choice(_FINGERPRINTS)


def created_at(rng: random.Random, now: float) -> int:
    # `created` is when generation started, a moment before the response is sent.
    return int(now) - rng.randint(0, 2)


def answer_text(rng: random.Random) -> str:
    return " ".join(rng.sample(_SENTENCES, rng.randint(1, 4)))


def split_tokens(text: str) -> list[str]:
    """Split text into the pieces a stream would send as content deltas."""
    return _TOKEN_RE.findall(text) or [text]


def _text_of(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, Mapping))
    return ""


def prompt_tokens(rng: random.Random, request: Mapping[str, Any]) -> int:
    messages = request.get("messages")
    count = 3
    if isinstance(messages, list):
        for message in messages:
            if isinstance(message, Mapping):
                count += 4 + math.ceil(len(_text_of(message.get("content"))) / 4)
    # A little jitter so a baseline cannot learn an exact prompt size as part of the contract.
    return count + rng.randint(0, 3)


def usage(prompt: int, completion: int) -> JSONDict:
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    }


def requested_model(request: Mapping[str, Any]) -> str:
    model = request.get("model")
    return model if isinstance(model, str) else "gpt-4o-mini"


def chat_completion(rng: random.Random, request: Mapping[str, Any], now: float) -> JSONDict:
    """A non-streaming `chat.completion` body answering `request`."""
    text = answer_text(rng)
    return {
        "id": completion_id(rng),
        "object": "chat.completion",
        "created": created_at(rng, now),
        "model": requested_model(request),
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": text,
                    "refusal": None,
                    "annotations": [],
                },
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": usage(prompt_tokens(rng, request), len(split_tokens(text))),
        "service_tier": "default",
        "system_fingerprint": system_fingerprint(rng),
    }


def stream_options(request: Mapping[str, Any]) -> tuple[bool, bool]:
    """(include_usage, include_obfuscation) as requested via `stream_options`."""
    options = request.get("stream_options")
    if not isinstance(options, Mapping):
        return False, True
    return options.get("include_usage") is True, options.get("include_obfuscation") is not False


def chunk_base(rng: random.Random, request: Mapping[str, Any], now: float) -> JSONDict:
    """Fields shared by every chunk of one stream, in OpenAI's key order."""
    return {
        "id": completion_id(rng),
        "object": "chat.completion.chunk",
        "created": created_at(rng, now),
        "model": requested_model(request),
        "service_tier": "default",
        "system_fingerprint": system_fingerprint(rng),
    }


def make_chunk(
    rng: random.Random,
    base: Mapping[str, Any],
    request: Mapping[str, Any],
    choices: list[JSONDict],
    usage_value: JSONDict | None = None,
) -> JSONDict:
    include_usage, include_obfuscation = stream_options(request)
    chunk: JSONDict = {**base, "choices": choices}
    if include_usage:
        chunk["usage"] = usage_value
    if include_obfuscation:
        # OpenAI pads chunks with random text so their sizes do not leak token lengths.
        chunk["obfuscation"] = "".join(rng.choice(_ALNUM) for _ in range(rng.randint(1, 12)))
    return chunk


def delta_choice(delta: JSONDict, finish_reason: str | None = None) -> JSONDict:
    return {"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish_reason}


def stream_chunks(rng: random.Random, request: Mapping[str, Any], now: float) -> list[JSONDict]:
    """The `chat.completion.chunk` objects of one streamed answer, in order (no `[DONE]`)."""
    base = chunk_base(rng, request, now)
    pieces = split_tokens(answer_text(rng))
    role = {"role": "assistant", "content": "", "refusal": None}
    chunks = [make_chunk(rng, base, request, [delta_choice(role)])]
    chunks += [make_chunk(rng, base, request, [delta_choice({"content": p})]) for p in pieces]
    chunks.append(make_chunk(rng, base, request, [delta_choice({}, "stop")]))
    if stream_options(request)[0]:
        final = usage(prompt_tokens(rng, request), len(pieces))
        chunks.append(make_chunk(rng, base, request, [], final))
    return chunks


def sse_event(obj: Any) -> bytes:
    """One `data:` event, compact JSON like OpenAI's streams."""
    return b"data: " + json.dumps(obj, separators=(",", ":")).encode() + b"\n\n"


def json_body(obj: Any) -> bytes:
    """A non-streaming body: OpenAI pretty-prints with two spaces and escapes non-ASCII."""
    return json.dumps(obj, indent=2).encode()


def models_list(models: Sequence[str]) -> JSONDict:
    return {
        "object": "list",
        "data": [
            {
                "id": name,
                "object": "model",
                "created": _MODEL_CREATED.get(name, _UNKNOWN_MODEL_CREATED),
                "owned_by": "system",
            }
            for name in models
        ],
    }


def openai_error(
    message: str, type_: str, param: str | None = None, code: str | None = None
) -> JSONDict:
    return {"error": {"message": message, "type": type_, "param": param, "code": code}}


def comet_error(message: str, request_id_value: str, code: str = "") -> JSONDict:
    """CometAPI's envelope: no `param`, empty-string code, request id inside the message."""
    return {
        "error": {
            "code": code,
            "message": f"{message} (request id: {request_id_value})",
            "type": "comet_api_error",
        }
    }


def mask_key(key: str) -> str:
    """Mask an API key the way OpenAI does in 401 messages; short keys are hidden entirely."""
    if len(key) <= 8:
        return "***"
    return f"{key[:5]}***{key[-3:]}"


def incorrect_key_message(key: str) -> str:
    return (
        f"Incorrect API key provided: {mask_key(key)}. You can find your API key at "
        "https://platform.openai.com/account/api-keys."
    )


MISSING_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with "
    "blank username) if you're accessing the API from your browser and are prompted for a "
    "username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)

INVALID_JSON_MESSAGE = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was "
    "not valid JSON. If you have trouble figuring out how to fix this, please contact us through "
    "our help center at help.openai.com.)"
)


def rate_limit_message(model: str, retry_in: str) -> str:
    return (
        f"Rate limit reached for {model} in organization org-simulator on requests per min "
        f"(RPM): Limit 3, Used 3, Requested 1. Please try again in {retry_in}. Visit "
        "https://platform.openai.com/account/rate-limits to learn more."
    )


def html_page(status: int, reason: str) -> bytes:
    """The error page nginx serves when it cannot reach its upstream."""
    return (
        f"<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
        f"<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
        "</body>\r\n</html>\r\n"
    ).encode()

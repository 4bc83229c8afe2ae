"""Delivery shapers: scenario steps that change how an already built answer goes on the wire
(timing, framing, encoding, size) rather than what it says.

Each shaper edits a `Plan` in place. Shapers that need the whole body skip lazy (possibly
endless) bodies, so no combination of scenarios can make the server buffer without bound.
"""

from __future__ import annotations

import functools
import struct
import zlib
from collections.abc import Iterable, Iterator

from monitor.simulator import payloads
from monitor.simulator.mutations import HOSTILE_MARKUP
from monitor.simulator.plan import DONE, PING, Ctx, Plan

# Mutators put these into the answer text; the matching shaper swaps them for raw bytes after
# serialisation, since JSON encoding cannot produce invalid UTF-8 or a 50 MB string lazily.
HUGE_MARKER = "@@simulator-huge-content@@"
UTF8_MARKER = "@@simulator-invalid-utf8@@"
INVALID_UTF8 = b"caf\xe9 \xff\xfe \xc3\x28 \xed\xa0\x80"

HUGE_BODY_BYTES = 50 * 1024 * 1024
_HUGE_PIECE = (b"lorem ipsum dolor sit amet " * 2500)[: 64 * 1024]

BOMB_INFLATED_BYTES = 1 << 30
_BOMB_BLOCK = 1 << 20
KEEPALIVE_COMMENT = b": OPENROUTER PROCESSING\n\n"
ENDLESS_INTERVAL = 0.05
ONE_BURST_DELAY = 1.0


def slow(plan: Plan, ctx: Ctx) -> None:
    plan.delay += ctx.settings.slow_seconds


def hostile_header(plan: Plan, ctx: Ctx) -> None:
    plan.headers["x-hostile"] = HOSTILE_MARKUP


def truncated(plan: Plan, ctx: Ctx) -> None:
    body = plan.materialized()
    if body is not None:
        plan.parts = [body[: len(body) // 2]]
        plan.length = None


def invalid_utf8(plan: Plan, ctx: Ctx) -> None:
    body = plan.materialized()
    if body is not None:
        plan.parts = [body.replace(UTF8_MARKER.encode(), INVALID_UTF8)]
        plan.length = None


def _huge_parts(prefix: bytes, suffix: bytes) -> Iterator[bytes]:
    yield prefix
    full, rest = divmod(HUGE_BODY_BYTES, len(_HUGE_PIECE))
    for _ in range(full):
        yield _HUGE_PIECE
    yield _HUGE_PIECE[:rest]
    yield suffix


def huge_body(plan: Plan, ctx: Ctx) -> None:
    body = plan.materialized()
    if body is None or HUGE_MARKER.encode() not in body:
        return
    prefix, suffix = body.split(HUGE_MARKER.encode(), 1)
    plan.parts = _huge_parts(prefix, suffix)
    plan.length = None if plan.stream else len(prefix) + HUGE_BODY_BYTES + len(suffix)


@functools.cache
def gzip_bomb() -> bytes:
    """About 1 MB of gzip that inflates to 1 GiB of zeros.

    Compressing 1 GiB takes seconds, so one 1 MiB block is compressed and then repeated: after a
    full flush the deflate state is reset, so every further identical block compresses to the
    same bytes. Only the trailer (CRC-32 and size of the whole inflated stream) is computed.
    """
    block = bytes(_BOMB_BLOCK)
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = deflate.compress(block) + deflate.flush(zlib.Z_FULL_FLUSH)
    tail = deflate.flush()
    count = BOMB_INFLATED_BYTES // _BOMB_BLOCK
    crc = 0
    for _ in range(count):
        crc = zlib.crc32(block, crc)
    header = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff"
    trailer = struct.pack("<II", crc, BOMB_INFLATED_BYTES & 0xFFFFFFFF)
    return header + segment * count + tail + trailer


def gzip_bomb_shape(plan: Plan, ctx: Ctx) -> None:
    plan.parts = [gzip_bomb()]
    plan.length = None
    plan.headers["content-encoding"] = "gzip"


def _bytewise(body: bytes) -> Iterator[bytes]:
    for i in range(len(body)):
        yield body[i : i + 1]


def trickle(plan: Plan, ctx: Ctx) -> None:
    body = plan.materialized()
    if body is not None:
        plan.parts = _bytewise(body)
        plan.length = None if plan.stream else len(body)
        plan.interval = ctx.settings.trickle_interval


def _without_done(parts: Iterable[bytes]) -> Iterator[bytes]:
    return (p for p in parts if p != DONE)


def no_done(plan: Plan, ctx: Ctx) -> None:
    if plan.stream:
        plan.parts = _without_done(plan.parts)


def _endless(ctx: Ctx) -> Iterator[bytes]:
    request = ctx.body
    base = {k: v for k, v in (ctx.chunks[0] if ctx.chunks else {}).items() if k != "choices"}
    base.pop("usage", None)
    base.pop("obfuscation", None)
    role = {"role": "assistant", "content": "", "refusal": None}
    yield PING
    yield payloads.sse_event(
        payloads.make_chunk(ctx.rng, base, request, [payloads.delta_choice(role)])
    )
    while True:
        for piece in payloads.split_tokens(payloads.answer_text(ctx.rng)):
            delta = payloads.delta_choice({"content": piece})
            yield payloads.sse_event(payloads.make_chunk(ctx.rng, base, request, [delta]))


def endless(plan: Plan, ctx: Ctx) -> None:
    if plan.stream:
        plan.parts = _endless(ctx)
        plan.interval = ENDLESS_INTERVAL


def one_burst(plan: Plan, ctx: Ctx) -> None:
    body = plan.materialized()
    if plan.stream and body is not None:
        plan.parts = [body]
        plan.interval = 0.0
        plan.delay += ONE_BURST_DELAY


def wrong_content_type(plan: Plan, ctx: Ctx) -> None:
    if plan.stream:
        plan.content_type = "text/plain; charset=utf-8"


def _with_comments(parts: Iterable[bytes]) -> Iterator[bytes]:
    yield KEEPALIVE_COMMENT
    for part in parts:
        yield KEEPALIVE_COMMENT
        yield part


def data_only(plan: Plan, ctx: Ctx) -> None:
    if plan.stream:
        kept = (p for p in plan.parts if p != PING)
        plan.parts = list(kept) if isinstance(plan.parts, list | tuple) else kept


def keepalive_comments(plan: Plan, ctx: Ctx) -> None:
    if plan.stream:
        plan.parts = _with_comments(plan.parts)

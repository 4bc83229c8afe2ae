"""Read an OpenAPI 3.0/3.1 document from a path, a URL or a built-in name (``builtin:NAME``,
shipped inside the package), strictly, with located errors.

A broken document is rejected when the configuration is checked (``monitor config check``)
and when the service starts, never at 3 a.m.: every problem names the document, the line and
the key path (``openai.yaml:42: paths./v1/chat/completions.post.responses.200: ...``).
The document is validated with openapi-spec-validator; local ``$ref``s are checked first by
us because the library raises (instead of reporting) on a dangling one. External ``$ref``s are
refused: bundle the document into one file.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from jsonschema.exceptions import best_match
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from referencing.exceptions import Unresolvable

from monitor.config.locate import Locator, format_loc
from monitor.config.timeparse import iso_z
from monitor.errors import ContractError

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024
BUILTIN = "builtin:"  # `contract: builtin:openai-chat-completions`, shipped in the package
Fetch = Callable[[str], bytes]


@dataclass(frozen=True)
class ContractDocument:
    source: str  # the path or URL as configured
    sha256: str
    fetched_at: datetime
    spec: dict[str, Any]
    openapi: str  # "3.0" or "3.1"

    @property
    def title(self) -> str:
        info = self.spec.get("info")
        return str(info.get("title", "")) if isinstance(info, dict) else ""

    @property
    def version(self) -> str:
        info = self.spec.get("info")
        return str(info.get("version", "")) if isinstance(info, dict) else ""

    def reference(self) -> dict[str, Any]:
        """What each run records: the seed's "documentation URL and access date"."""
        return {
            "source": self.source,
            "sha256": self.sha256,
            "fetched_at": iso_z(self.fetched_at),
            "title": self.title,
            "version": self.version,
            "openapi": self.openapi,
        }


def fetch_url(url: str) -> bytes:
    import httpx  # only when a contract is configured by URL

    with httpx.Client(timeout=10.0, follow_redirects=True, trust_env=False) as client:
        response = client.get(url)
        response.raise_for_status()
        if len(response.content) > MAX_DOCUMENT_BYTES:
            raise ValueError(f"larger than {MAX_DOCUMENT_BYTES} bytes")
        return response.content


def read_document(
    source: str, *, now: datetime, base_dir: Path | None = None, fetch: Fetch = fetch_url
) -> ContractDocument:
    raw = _read_bytes(source, base_dir, fetch)
    try:
        text = raw.decode("utf-8")
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except UnicodeDecodeError as exc:
        raise ContractError(source, None, "", f"not UTF-8 (byte {exc.start})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise ContractError(
            source, line, "", f"not YAML/JSON: {getattr(exc, 'problem', exc)}"
        ) from None
    locator = Locator(root)
    spec = _plain(data)
    if not isinstance(spec, dict):
        raise ContractError(source, 1, "", "an OpenAPI document is a mapping")
    version = str(spec.get("openapi", ""))
    if not version.startswith(("3.0", "3.1")):
        raise ContractError(
            source, locator.line(["openapi"]), "openapi", f"{version or 'missing'}: use 3.0 or 3.1"
        )
    for loc, problem in _bad_refs(spec):
        raise ContractError(source, locator.line(loc, key=True), format_loc(loc), problem)
    validator_cls = (
        OpenAPIV30SpecValidator if version.startswith("3.0") else OpenAPIV31SpecValidator
    )
    try:
        error = next(iter(validator_cls(SchemaPath.from_dict(spec)).iter_errors()), None)
    except Unresolvable as exc:  # pragma: no cover - _bad_refs finds these first
        raise ContractError(source, None, "", f"unresolvable reference: {exc}") from None
    if error is not None:
        # "not valid under any of the given schemas" says little; the closest branch says why
        best = best_match(error.context) if error.context else None
        chosen = best if best is not None else error
        loc = [p for p in chosen.absolute_path if isinstance(p, str | int)]
        line = locator.line(loc, key=True)
        raise ContractError(source, line, format_loc(loc), _short(chosen.message))
    return ContractDocument(
        source=source,
        sha256=hashlib.sha256(raw).hexdigest(),
        fetched_at=now,
        spec=spec,
        openapi=version[:3],
    )


def builtin_contracts() -> list[str]:
    """The names ``builtin:NAME`` accepts: the documents shipped inside the package."""
    folder = resources.files("monitor.contract").joinpath("builtin")
    return sorted(
        f.name.removesuffix(".yaml") for f in folder.iterdir() if f.name.endswith(".yaml")
    )


def _read_builtin(source: str) -> bytes:
    # package data rather than a path, so the name works from any directory and in a wheel
    name = source.removeprefix(BUILTIN)
    if name not in builtin_contracts():
        known = ", ".join(BUILTIN + n for n in builtin_contracts())
        raise ContractError(source, None, "", f"no such built-in contract; known: {known}")
    folder = resources.files("monitor.contract").joinpath("builtin")
    return folder.joinpath(f"{name}.yaml").read_bytes()


def _read_bytes(source: str, base_dir: Path | None, fetch: Fetch) -> bytes:
    if source.startswith(BUILTIN):
        return _read_builtin(source)
    if source.startswith(("http://", "https://")):
        try:
            return fetch(source)
        except Exception as exc:  # any failure to fetch is one clear configuration error
            raise ContractError(source, None, "", f"cannot fetch: {exc}") from None
    path = Path(source)
    if not path.is_absolute() and base_dir is not None:
        path = base_dir / path
    try:
        if path.stat().st_size > MAX_DOCUMENT_BYTES:
            raise ContractError(source, None, "", f"larger than {MAX_DOCUMENT_BYTES} bytes")
        return path.read_bytes()
    except OSError as exc:
        raise ContractError(source, None, "", f"cannot read: {exc.strerror or exc}") from None


def _plain(value: Any) -> Any:
    """YAML turns `200:` into an int and dates into dates; OpenAPI means strings."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _bad_refs(spec: dict[str, Any]) -> Iterator[tuple[list[str | int], str]]:
    for loc, ref in _refs(spec, []):
        if not ref.startswith("#"):
            yield [*loc, "$ref"], f"external reference {ref!r}: bundle the document into one file"
        elif resolve_pointer(spec, ref) is _NOWHERE:
            yield [*loc, "$ref"], f"{ref!r} points to nothing in this document"
        elif (cycle := _alias_cycle(spec, ref)) is not None:
            yield [*loc, "$ref"], "reference cycle with no schema in it: " + " -> ".join(cycle)


def _alias_cycle(spec: dict[str, Any], ref: str) -> list[str] | None:
    """``A: {$ref: B}``, ``B: {$ref: A}``: a cycle of bare references never reaches a schema,
    and validators recurse on it until the interpreter gives up. (A schema that contains
    itself, like a tree, is fine: it has a schema between the references.)"""
    chain = [ref]
    target = resolve_pointer(spec, ref)
    while isinstance(target, dict) and isinstance(target.get("$ref"), str):
        following = target["$ref"]
        if following in chain:
            return [*chain[chain.index(following) :], following]
        chain.append(following)
        target = resolve_pointer(spec, following)
    return None


def _refs(value: Any, loc: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str):
            yield loc, ref
        for key, member in value.items():
            yield from _refs(member, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _refs(item, [*loc, index])


_NOWHERE = object()


def resolve_pointer(spec: Any, ref: str) -> Any:
    """The value a local ``#/a/b`` reference points to, or ``_NOWHERE``."""
    node = spec
    for raw in ref[1:].split("/")[1:] if ref.startswith("#/") else []:
        part = raw.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and part in node:
            node = node[part]
        elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
            node = node[int(part)]
        else:
            return _NOWHERE
    return node if ref.startswith("#/") or ref == "#" else _NOWHERE


def _short(message: str, limit: int = 300) -> str:
    return message if len(message) <= limit else message[: limit - 3] + "..."


def is_nowhere(value: Any) -> bool:
    return value is _NOWHERE


__all__: Sequence[str] = (
    "ContractDocument",
    "ContractError",
    "read_document",
    "resolve_pointer",
)

"""Reading OpenAPI documents: located rejections, 3.0 ``nullable``, 3.1, resolution once."""

from __future__ import annotations

import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest

from monitor.contract import ContractError, load_contract
from monitor.core.documented import Exchange
from monitor.core.shape.stats import infer_shape

NOW = datetime(2026, 5, 9, tzinfo=UTC)

DOC_30 = """
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /v1/things:
    post:
      requestBody:
        content:
          application/json:
            schema: {type: object, properties: {n: {type: integer}}}
      responses:
        200:
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Thing"}
components:
  schemas:
    Thing:
      type: object
      required: [name]
      properties:
        name: {type: string, nullable: true}
        kind: {type: string, enum: [a, b]}
        child: {$ref: "#/components/schemas/Thing"}
"""


def write(tmp_path: Path, text: str, name: str = "api.yaml") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return str(path)


def check(contract, document, status=200, request=None):  # type: ignore[no-untyped-def]
    return contract.check(
        Exchange(
            "POST",
            "https://x/api/v1/things",
            request or {"n": 1},
            status,
            "application/json",
            {},
            document,
            infer_shape(document),
        )
    )


def test_openapi_30_nullable_is_honoured(tmp_path: Path) -> None:
    contract = load_contract(write(tmp_path, DOC_30), now=NOW)
    assert check(contract, {"name": None}).findings == ()
    result = check(contract, {"name": 3, "kind": "c", "extra": 1})
    assert {(f.kind, f.path, f.severity.value) for f in result.findings} == {
        ("type-changed", "name", "breaking"),
        ("enum-value-added", "kind", "breaking"),
        ("undocumented-property", "extra", "info"),
    }


def test_a_recursive_schema_is_resolved_with_a_bound(tmp_path: Path) -> None:
    contract = load_contract(write(tmp_path, DOC_30), now=NOW)
    nested = {"name": "a", "child": {"name": "b", "child": {"kind": "zzz", "name": "c"}}}
    result = check(contract, nested)
    assert [(f.kind, f.path) for f in result.findings] == [("enum-value-added", "child.child.kind")]


def test_openapi_31_type_lists_allow_null(tmp_path: Path) -> None:
    doc = DOC_30.replace("3.0.3", "3.1.0").replace(
        "{type: string, nullable: true}", '{type: [string, "null"]}'
    )
    contract = load_contract(write(tmp_path, doc), now=NOW)
    assert check(contract, {"name": None}).findings == ()
    assert [f.kind for f in check(contract, {}).findings] == ["property-removed"]


def test_the_contract_reference_records_source_sha256_and_fetch_date(tmp_path: Path) -> None:
    source = write(tmp_path, DOC_30)
    ref = load_contract(source, now=NOW).reference()
    assert ref["source"] == source
    assert len(ref["sha256"]) == 64
    assert ref["fetched_at"] == "2026-05-09T00:00:00Z"


def test_a_contract_by_url_is_fetched_through_the_given_fetcher(tmp_path: Path) -> None:
    fetched: list[str] = []

    def fetch(url: str) -> bytes:
        fetched.append(url)
        return DOC_30.encode()

    contract = load_contract("https://docs.example/api.yaml", now=NOW, fetch=fetch)
    assert fetched == ["https://docs.example/api.yaml"]
    assert contract.reference()["source"] == "https://docs.example/api.yaml"


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        (
            DOC_30.replace('#/components/schemas/Thing"}\ncomp', '#/x"}\ncomp'),
            ":15: ",
            "points to nothing",
        ),
        (
            DOC_30.replace(
                '$ref: "#/components/schemas/Thing"}\ncomponents',
                '$ref: "other.yaml#/T"}\ncomponents',
            ),
            ":15: ",
            "external reference",
        ),
        (
            DOC_30.replace("          description: ok\n", ""),
            ":11: paths./v1/things.post.responses.200",
            "'description' is a required",
        ),
        (DOC_30.replace("openapi: 3.0.3", "openapi: 2.0"), ":1: openapi", "use 3.0 or 3.1"),
        ("openapi: 3.0.3\ninfo: {title: [\n", ":3: ", "not YAML"),
        (
            "openapi: 3.0.3\ninfo: {title: x, version: '1'}\npaths: {}\ncomponents:\n"
            "  schemas:\n    A: {$ref: '#/components/schemas/B'}\n"
            "    B: {$ref: '#/components/schemas/A'}\n",
            ":6: components.schemas.A.$ref",
            "reference cycle with no schema in it: #/components/schemas/B -> ",
        ),
    ],
)
def test_a_broken_document_is_rejected_with_a_located_error(
    tmp_path: Path, text: str, where: str, words: str
) -> None:
    source = write(tmp_path, text)
    with pytest.raises(ContractError) as caught:
        load_contract(source, now=NOW)
    message = str(caught.value)
    assert message.startswith(source)
    assert where in message
    assert words in message


def test_an_undocumented_request_field_and_operation(tmp_path: Path) -> None:
    contract = load_contract(write(tmp_path, DOC_30), now=NOW)
    result = check(contract, {"name": "a"}, request={"n": 1, "m": 2})
    assert [(f.kind, f.path) for f in result.findings] == [
        ("request-undocumented-field", "request:m")
    ]
    other = contract.check_request("GET", "https://x/v1/nope", None)
    assert [f.kind for f in other] == ["request-undocumented-operation"]
